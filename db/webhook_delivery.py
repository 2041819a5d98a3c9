"""The webhook sender's SQL (workers/webhooks.py): take due messages, record attempts.

A round takes messages under a lease (its own short transaction), posts them outside any
transaction, and records the outcomes in a second one. A worker killed mid-round leaves its
messages leased; when the lease runs out they are due again and sent again with the same
`webhook-id` (at least once; receivers deduplicate by it).

Fairness inside a tenant: a round takes at most `per_endpoint` messages of one endpoint (one
while its circuit breaker is half-open, none while it is open), oldest due first, and never
messages of an endpoint another round is still posting to (a lease in force): a slow endpoint
holds one round, while the tenant's other endpoints are served by the next. Takes of one tenant
are serialised (an advisory lock for the take's transaction), so two rounds never take the same
endpoint.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

from db.crypto import FieldCipher, tenant_schema
from db.engine import SCHEMA_NAME, SCHEMAS_CACHED
from db.repositories.webhooks import endpoint_from_row
from db.tables.webhooks import webhook_endpoints
from domain.webhooks.model import WebhookEndpoint


@dataclass(frozen=True)
class DueMessage:
    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str  # the webhook name
    attempts: int  # made before this one
    max_attempts: int
    envelope: dict[str, Any] | None  # None: the outbox row is gone


@dataclass(frozen=True)
class EndpointState:
    endpoint: WebhookEndpoint
    consecutive_failures: int
    breaker_open_until: datetime | None
    breaker_opened_times: int
    failing_since: datetime | None


@dataclass(frozen=True)
class Outcome:
    """One attempt's result and what it decided, for `record_outcomes`."""

    message_id: uuid.UUID
    endpoint_id: uuid.UUID
    attempted_at: datetime
    status_code: int | None
    duration_ms: int
    response_excerpt: str | None
    error: str | None
    status: str  # the message's new status: pending | succeeded | failed
    next_attempt_at: datetime | None


# Statements name their tenant's tables through `{schema}` (text SQL is not translated by the
# engine's schema map); `_sql` fills it in once per schema.

# The messages `m` (joined to their endpoint `e`) a round may take now, written once for the
# take and the relay's probe: pending and due, not leased, the endpoint enabled with its
# breaker closed or half-open, and no round posting to it (that round looks again at its end).
_ENDPOINT_FREE = (
    ' NOT EXISTS (SELECT 1 FROM "{schema}".webhook_messages busy'
    " WHERE busy.endpoint_id = m.endpoint_id AND busy.leased_until > now())"
)
_DUE = (
    "m.status = 'pending' AND m.next_attempt_at <= now()"
    " AND (m.leased_until IS NULL OR m.leased_until < now())"
    " AND e.enabled AND (e.breaker_open_until IS NULL OR e.breaker_open_until <= now())"
    " AND" + _ENDPOINT_FREE
)
_TAKE = (
    "WITH candidates AS ("
    " SELECT m.id, m.next_attempt_at,"
    " row_number() OVER (PARTITION BY m.endpoint_id ORDER BY m.next_attempt_at, m.id) AS rn,"
    " e.breaker_open_until IS NOT NULL AS half_open"
    ' FROM "{schema}".webhook_messages m JOIN "{schema}".webhook_endpoints e'
    " ON e.id = m.endpoint_id WHERE " + _DUE + "),"
    " taken AS (SELECT id FROM candidates"
    " WHERE rn <= CASE WHEN half_open THEN 1 ELSE :per_endpoint END"
    " ORDER BY next_attempt_at, id LIMIT :round_size)"
    ' UPDATE "{schema}".webhook_messages m'
    " SET leased_until = now() + make_interval(secs => :lease)"
    " FROM taken t WHERE m.id = t.id"
    " RETURNING m.id, m.endpoint_id, m.event_id, m.event_type, m.attempts, m.max_attempts,"
    ' (SELECT o.envelope FROM "{schema}".outbox o WHERE o.event_id = m.event_id) AS envelope'
)


@lru_cache(maxsize=4 * SCHEMAS_CACHED)
def _statement(template: str, schema: str) -> TextClause:
    if not SCHEMA_NAME.match(schema):
        raise ValueError(f"not a tenant schema name: {schema!r}")
    return text(template.format(schema=schema))


def _sql(template: str, conn: AsyncConnection) -> TextClause:
    return _statement(template, tenant_schema(conn))


_TAKE_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('{schema}:webhook-take', 0))"


async def take_due(
    conn: AsyncConnection, *, round_size: int, per_endpoint: int, lease_seconds: float
) -> list[DueMessage]:
    """In a transaction of its own: the lock is held until it commits its leases."""
    await conn.execute(_sql(_TAKE_LOCK, conn))
    rows = await conn.execute(
        _sql(_TAKE, conn),
        {"per_endpoint": per_endpoint, "round_size": round_size, "lease": lease_seconds},
    )
    return [
        DueMessage(r.id, r.endpoint_id, r.event_id, r.event_type, r.attempts, r.max_attempts,
                   r.envelope)
        for r in rows
    ]  # fmt: skip


async def endpoint_states(
    conn: AsyncConnection, endpoint_ids: Collection[uuid.UUID], cipher: FieldCipher
) -> dict[uuid.UUID, EndpointState]:
    if not endpoint_ids:
        return {}
    rows = await conn.execute(
        webhook_endpoints.select().where(webhook_endpoints.c.id.in_(list(endpoint_ids)))
    )
    tenant = tenant_schema(conn)
    return {
        r.id: EndpointState(
            endpoint_from_row(r._mapping, cipher, tenant),
            r.consecutive_failures, r.breaker_open_until, r.breaker_opened_times, r.failing_since,
        )
        for r in rows
    }  # fmt: skip


# Attempts of messages deleted meanwhile (their endpoint was) are dropped with them.
_RECORD_ATTEMPTS = (
    'INSERT INTO "{schema}".webhook_attempts (id, message_id, attempted_at, status_code,'
    " duration_ms, response_excerpt, error) SELECT u.* FROM unnest(CAST(:ids AS uuid[]),"
    " CAST(:messages AS uuid[]), CAST(:at AS timestamptz[]), CAST(:codes AS int[]),"
    " CAST(:durations AS int[]), CAST(:excerpts AS text[]), CAST(:errors AS text[]))"
    " AS u(id, message_id, at, code, duration, excerpt, error)"
    ' JOIN "{schema}".webhook_messages m ON m.id = u.message_id'
)
_SETTLE_MESSAGES = (
    'UPDATE "{schema}".webhook_messages m SET status = u.status, attempts = m.attempts + 1,'
    " next_attempt_at = u.next_at, leased_until = NULL, last_status_code = u.code,"
    " last_attempt_at = u.at FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]),"
    " CAST(:next_at AS timestamptz[]), CAST(:codes AS int[]), CAST(:at AS timestamptz[]))"
    " AS u(id, status, next_at, code, at) WHERE m.id = u.id"
)
_SETTLE_ENDPOINTS = (
    'UPDATE "{schema}".webhook_endpoints e SET consecutive_failures = u.failures,'
    " breaker_open_until = u.open_until, breaker_opened_times = u.opened,"
    " failing_since = u.failing_since FROM unnest(CAST(:ids AS uuid[]), CAST(:failures AS int[]),"
    " CAST(:open_until AS timestamptz[]), CAST(:opened AS int[]),"
    " CAST(:failing_since AS timestamptz[])) AS u(id, failures, open_until, opened, failing_since)"
    " WHERE e.id = u.id"
)
_FAIL_WITHOUT_EVENT = (
    "UPDATE \"{schema}\".webhook_messages SET status = 'failed', leased_until = NULL"
    " WHERE id = ANY(CAST(:ids AS uuid[]))"
)
_NEXT_DUE = (
    "SELECT min(greatest(m.next_attempt_at, e.breaker_open_until, m.leased_until))"
    ' FROM "{schema}".webhook_messages m JOIN "{schema}".webhook_endpoints e'
    " ON e.id = m.endpoint_id WHERE m.status = 'pending' AND e.enabled AND" + _ENDPOINT_FREE
)


@dataclass(frozen=True)
class EndpointUpdate:
    endpoint_id: uuid.UUID
    consecutive_failures: int
    breaker_open_until: datetime | None
    breaker_opened_times: int
    failing_since: datetime | None


async def record_outcomes(
    conn: AsyncConnection, outcomes: Sequence[Outcome], endpoints: Sequence[EndpointUpdate]
) -> None:
    """The round's attempts, its messages' new states and its endpoints' sender state: three
    statements whatever the round's size."""
    if outcomes:
        await conn.execute(
            _sql(_RECORD_ATTEMPTS, conn),
            {
                "ids": [uuid.uuid4() for _ in outcomes],
                "messages": [o.message_id for o in outcomes],
                "at": [o.attempted_at for o in outcomes],
                "codes": [o.status_code for o in outcomes],
                "durations": [o.duration_ms for o in outcomes],
                "excerpts": [o.response_excerpt for o in outcomes],
                "errors": [o.error for o in outcomes],
            },
        )
        await conn.execute(
            _sql(_SETTLE_MESSAGES, conn),
            {
                "ids": [o.message_id for o in outcomes],
                "statuses": [o.status for o in outcomes],
                "next_at": [o.next_attempt_at for o in outcomes],
                "codes": [o.status_code for o in outcomes],
                "at": [o.attempted_at for o in outcomes],
            },
        )
    if endpoints:
        await conn.execute(
            _sql(_SETTLE_ENDPOINTS, conn),
            {
                "ids": [e.endpoint_id for e in endpoints],
                "failures": [e.consecutive_failures for e in endpoints],
                "open_until": [e.breaker_open_until for e in endpoints],
                "opened": [e.breaker_opened_times for e in endpoints],
                "failing_since": [e.failing_since for e in endpoints],
            },
        )


async def fail_without_event(conn: AsyncConnection, message_ids: Sequence[uuid.UUID]) -> None:
    """Messages whose outbox row is gone (pruned): nothing left to send."""
    if message_ids:
        await conn.execute(_sql(_FAIL_WITHOUT_EVENT, conn), {"ids": list(message_ids)})


async def next_due(conn: AsyncConnection) -> datetime | None:
    """When the tenant's next message is due (breakers and leases considered), if any."""
    value: datetime | None = (await conn.execute(_sql(_NEXT_DUE, conn))).scalar()
    return value


_ANY_DUE = (
    'SELECT EXISTS (SELECT 1 FROM "{schema}".webhook_messages m'
    ' JOIN "{schema}".webhook_endpoints e ON e.id = m.endpoint_id WHERE ' + _DUE + ")"
)


def any_due_sql(schema: str) -> str:
    """For the relay's sweep (a bare asyncpg connection): is a message of `schema` due?"""
    if not SCHEMA_NAME.match(schema):
        raise ValueError(f"not a tenant schema name: {schema!r}")
    return _ANY_DUE.format(schema=schema)
