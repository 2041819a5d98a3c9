"""Outbox reads and bookkeeping for the relay, the event hub's catch-up and handlers."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.driver_path.statement_parts import NumberFill
from db.engine import SCHEMA_NAME, SCHEMAS_CACHED
from db.tables.tenant import outbox, processed_events
from db.webhook_delivery import any_due_sql
from domain.shared.events import DomainEvent

# Relays LISTEN here for outbox rows committed by other processes (imports, scripts, workers):
# such a writer calls `notify_relays` in its transaction, and PostgreSQL delivers at commit. An
# API process wakes its own relay instead (SqlUnitOfWork's `wake`), because every notifying
# commit in the database queues for one global lock, and one per command was the posting
# benchmark's biggest queue after the entry-number row.
NOTIFY_CHANNEL = "bigledger_outbox"


async def notify_relays(raw: Any, schema: str) -> None:
    """`raw`: an asyncpg connection in the transaction that wrote to `schema`'s outbox."""
    await raw.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, schema)


@lru_cache(maxsize=SCHEMAS_CACHED)
def _outbox_cte(schema: str, number_sql: str | None) -> str:
    """Built once per schema (the text is the prepared statement's key, every commit sends it)."""
    if not SCHEMA_NAME.match(schema):
        raise ValueError(f"not a tenant schema name: {schema!r}")
    envelope = "v::jsonb" if number_sql is None else f"replace(v, $6, {number_sql})::jsonb"
    return (
        f'outbox_rows AS (INSERT INTO "{schema}".outbox (event_id, event_type, aggregate_type,'
        f" aggregate_id, envelope) SELECT e, t, a, i, {envelope} FROM unnest($1::uuid[],"
        " $2::varchar[], $3::varchar[], $4::uuid[], $5::text[]) AS o(e, t, a, i, v))"
    )


def outbox_rows(
    schema: str, events: Sequence[DomainEvent], fill: NumberFill | None = None
) -> tuple[str, tuple[Any, ...]]:
    """The insert of a command's events into its tenant's outbox: a CTE
    (db/driver_path/statement_parts.py) sent ahead of the command's audit row, one statement
    whatever the number of events. With `fill`, the entry number drawn in the same statement
    replaces its token in the envelopes."""
    cte = _outbox_cte(schema, None if fill is None else fill.value_sql)
    args: tuple[Any, ...] = (
        [e.id for e in events],
        [e.event_type for e in events],
        [e.aggregate_type for e in events],
        [e.aggregate_id for e in events],
        [orjson.dumps(e.to_envelope()).decode() for e in events],
    )
    return cte, args if fill is None else (*args, fill.token)


@dataclass(frozen=True)
class PendingEvent:
    id: int
    event_id: str
    event_type: str
    tenant_id: str
    envelope: bytes  # the stored JSON, published as it is (never decoded and re-encoded)
    needs_publish: bool
    needs_dispatch: bool
    company_id: str | None = None  # the payload's companyId, for effects run on publish
    webhooks_due: bool = False  # the tenant has webhook messages due (read with the claim)


class RelayStatements:
    """The relay's two statements for one tenant schema, on a bare asyncpg connection: the text
    never depends on the batch (ids travel as arrays), so each is prepared once per connection."""

    def __init__(self, schema: str) -> None:
        if not SCHEMA_NAME.match(schema):
            raise ValueError(f"not a tenant schema name: {schema!r}")
        table = f'"{schema}".outbox'
        # Locks a batch of undelivered rows; other relays skip them (SKIP LOCKED).
        self.claim = (
            "SELECT id, event_id::text, event_type, envelope->>'tenantId' AS tenant_id,"
            " envelope::text AS envelope, published_at IS NULL AS needs_publish,"
            " envelope->'payload'->>'companyId' AS company_id,"
            f" dispatched_at IS NULL AS needs_dispatch, ({any_due_sql(schema)}) AS webhooks_due"
            f" FROM {table}"
            " WHERE published_at IS NULL OR dispatched_at IS NULL"
            " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"
        )
        # What was delivered, and what failed (attempt counted, error kept), in one statement.
        self.settle = (
            f"UPDATE {table} SET"
            " published_at = CASE WHEN id = ANY($2::bigint[]) THEN now() ELSE published_at END,"
            " dispatched_at = CASE WHEN id = ANY($3::bigint[]) THEN now() ELSE dispatched_at END,"
            " attempts = attempts + CASE WHEN id = ANY($4::bigint[]) THEN 1 ELSE 0 END,"
            " last_error = CASE WHEN id = ANY($4::bigint[]) THEN $5 ELSE last_error END,"
            # an event no handler receives is done once dispatched
            " handled_at = CASE WHEN id = ANY($6::bigint[]) THEN now() ELSE handled_at END"
            " WHERE id = ANY($1::bigint[])"
        )
        # Rows dispatched more than $1 seconds ago that are not yet known to be handled, each
        # with the handlers ($2: event type -> handler names) that have not recorded it.
        # Locked, so that concurrent relays do not re-dispatch the same row twice.
        self.unhandled = (
            "WITH due AS (SELECT id, event_id, event_type, envelope->>'tenantId' AS tenant_id,"
            f" redispatches FROM {table} WHERE handled_at IS NULL"
            " AND dispatched_at < now() - make_interval(secs => $1)"
            " ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)"
            " SELECT d.id, d.event_id::text, d.tenant_id, d.redispatches,"
            " coalesce(array_agg(h.name) FILTER (WHERE h.name IS NOT NULL), '{}') AS missing"
            " FROM due d LEFT JOIN LATERAL (SELECT name FROM jsonb_array_elements_text("
            " coalesce($2::jsonb -> d.event_type, '[]'::jsonb)) AS n(name) WHERE NOT EXISTS"
            f' (SELECT 1 FROM "{schema}".processed_events p'
            " WHERE p.event_id = d.event_id AND p.handler = n.name)) h ON true"
            " GROUP BY d.id, d.event_id, d.tenant_id, d.redispatches ORDER BY d.id"
        )
        # Handled rows are done; re-dispatched rows wait another timeout ($3: why).
        self.settle_unhandled = (
            f"UPDATE {table} SET"
            " handled_at = CASE WHEN id = ANY($1::bigint[]) THEN now() ELSE handled_at END,"
            " dispatched_at = CASE WHEN id = ANY($2::bigint[]) THEN now() ELSE dispatched_at END,"
            " redispatches = redispatches + CASE WHEN id = ANY($2::bigint[]) THEN 1 ELSE 0 END,"
            " last_error = CASE WHEN id = ANY($2::bigint[]) THEN $3 ELSE last_error END"
            " WHERE id = ANY($1::bigint[]) OR id = ANY($2::bigint[])"
        )


relay_statements = lru_cache(maxsize=SCHEMAS_CACHED)(RelayStatements)


async def claim_pending(conn: Any, schema: str, limit: int) -> list[PendingEvent]:
    """`conn`: an asyncpg connection inside a transaction (the locks last until it ends)."""
    rows = await conn.fetch(relay_statements(schema).claim, limit)
    return [
        PendingEvent(
            r["id"], r["event_id"], r["event_type"], r["tenant_id"], r["envelope"].encode(),
            r["needs_publish"], r["needs_dispatch"], r["company_id"], r["webhooks_due"],
        )
        for r in rows
    ]  # fmt: skip


async def settle(
    conn: Any,
    schema: str,
    batch: Sequence[PendingEvent],
    *,
    published: Collection[int],
    dispatched: Collection[int],
    failed: Collection[int],
    error: str,
    handled: Collection[int] = (),
) -> None:
    """`handled`: dispatched rows whose type no handler receives (nothing to wait for)."""
    await conn.execute(
        relay_statements(schema).settle,
        [e.id for e in batch],
        list(published),
        list(dispatched),
        list(failed),
        error[:2000],
        list(handled),
    )


@dataclass(frozen=True)
class UnhandledEvent:
    id: int
    event_id: str
    tenant_id: str
    redispatches: int
    missing: tuple[str, ...]  # handlers with no processed_events row for it


async def claim_unhandled(
    conn: Any,
    schema: str,
    subscribers: Mapping[str, Sequence[str]],
    *,
    older_than: float,
    limit: int,
) -> list[UnhandledEvent]:
    """Dispatched rows not yet known to be handled, locked until `conn`'s transaction ends."""
    rows = await conn.fetch(
        relay_statements(schema).unhandled,
        float(older_than),
        orjson.dumps({t: list(h) for t, h in subscribers.items()}).decode(),
        limit,
    )
    return [
        UnhandledEvent(r["id"], r["event_id"], r["tenant_id"], r["redispatches"],
                       tuple(r["missing"]))
        for r in rows
    ]  # fmt: skip


async def settle_unhandled(
    conn: Any, schema: str, *, handled: Collection[int], redispatched: Collection[int], note: str
) -> None:
    await conn.execute(
        relay_statements(schema).settle_unhandled, list(handled), list(redispatched), note[:2000]
    )


@dataclass(frozen=True)
class NotHandled:
    """An event some handler registered for its type has not recorded (`bigledger events check`)."""

    event_id: str
    event_type: str
    created_at: datetime
    dispatched_at: datetime | None
    redispatches: int
    missing: tuple[str, ...]


async def events_not_handled(
    conn: AsyncConnection,
    schema: str,
    subscribers: Mapping[str, Sequence[str]],
    *,
    older_than: float,
) -> list[NotHandled]:
    """Every event of the schema, committed more than `older_than` seconds ago, that lacks a
    processed_events row of a handler its type should have reached. Reads processed_events (the
    truth), not `handled_at`: a reconciliation does not trust the bookkeeping it checks."""
    if not SCHEMA_NAME.match(schema):
        raise ValueError(f"not a tenant schema name: {schema!r}")
    pairs = [(t, h) for t, handlers in subscribers.items() for h in handlers]
    if not pairs:
        return []
    rows = await conn.execute(
        text(
            "SELECT o.event_id::text AS event_id, o.event_type, o.created_at, o.dispatched_at,"
            " o.redispatches, array_agg(s.handler ORDER BY s.handler) AS missing"
            f' FROM "{schema}".outbox o JOIN unnest(CAST(:types AS text[]),'
            " CAST(:handlers AS text[])) AS s(event_type, handler) ON s.event_type = o.event_type"
            " WHERE o.created_at < now() - make_interval(secs => :older_than)"
            f' AND NOT EXISTS (SELECT 1 FROM "{schema}".processed_events p'
            " WHERE p.event_id = o.event_id AND p.handler = s.handler)"
            " GROUP BY o.id ORDER BY o.id"
        ),
        {
            "types": [t for t, _ in pairs],
            "handlers": [h for _, h in pairs],
            "older_than": float(older_than),
        },
    )
    return [
        NotHandled(r.event_id, r.event_type, r.created_at, r.dispatched_at, r.redispatches,
                   tuple(r.missing))
        for r in rows
    ]  # fmt: skip


async def envelopes_since(engine: AsyncEngine, since: datetime) -> list[dict[str, Any]]:
    """Everything that may have been published while a listener was away, plus what is still
    waiting (committed, so safe to deliver; the listener deduplicates by event id)."""
    query = (
        select(outbox.c.envelope)
        .where(or_(outbox.c.published_at.is_(None), outbox.c.published_at >= since))
        .order_by(outbox.c.id)
    )
    async with engine.connect() as conn:
        return list((await conn.execute(query)).scalars())


async def envelope_by_event_id(conn: AsyncConnection, event_id: uuid.UUID) -> dict[str, Any] | None:
    query = select(outbox.c.envelope).where(outbox.c.event_id == event_id)
    return (await conn.execute(query)).scalar_one_or_none()


async def claim_for_handler(conn: AsyncConnection, event_id: uuid.UUID, handler: str) -> bool:
    """True the first time (event, handler) is seen; the claim commits with the handler's effect."""
    result = await conn.execute(
        pg_insert(processed_events)
        .values(event_id=event_id, handler=handler)
        .on_conflict_do_nothing()
        .returning(processed_events.c.event_id)
    )
    return result.first() is not None


__all__ = [
    "NOTIFY_CHANNEL",
    "PendingEvent",
    "claim_for_handler",
    "claim_pending",
    "claim_unhandled",
    "envelope_by_event_id",
    "envelopes_since",
    "events_not_handled",
    "notify_relays",
    "outbox_rows",
    "relay_statements",
    "settle",
    "settle_unhandled",
]
