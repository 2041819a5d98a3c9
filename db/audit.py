"""The audit store: `shared.audit_log`, one hash chain per tenant (rules in domain/audit).

Appending takes a transaction-scoped advisory lock per tenant, reads the tenant's last row and
inserts the next one, so concurrent commands of a tenant still form one gapless chain. Callers
append last, right before they commit, to hold the lock as briefly as possible.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.tables.shared import audit_log, tenants
from domain.audit.model import (
    GENESIS_HASH,
    SIGN_IN,
    AuditEntry,
    ChainVerification,
    ChainVerifier,
    chain_hash,
    command_entry,
)
from domain.shared.clock import utcnow
from domain.shared.events import DomainEvent, EventOrigin

__all__ = [
    "AuditFilter",
    "AuditScope",
    "ChainVerification",
    "SqlSignInAudit",
    "append",
    "append_alone",
    "audit_scope",
    "page",
    "record_command",
    "verify_chain",
]

logger = logging.getLogger("bigledger.audit")

# pg_advisory_xact_lock(int4, int4): this class id + 32 bits of the tenant id. The two-key form
# has a lock space of its own, apart from single-bigint advisory locks used elsewhere.
LOCK_CLASS = 0x41554454  # "AUDT"
VERIFY_BATCH = 5_000  # rows per round trip; a batch fits the socket buffers


class OrjsonCodec:
    """orjson gives canonical JSON's bytes (sorted keys, compact, UTF-8) ~20x faster than the
    standard library; the verifier re-checks any row it does not confirm (domain/audit)."""

    @staticmethod
    def dumps(content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)

    @staticmethod
    def loads(text: str) -> Any:
        return orjson.loads(text)


def lock_key(tenant_id: uuid.UUID) -> int:
    return int.from_bytes(tenant_id.bytes[:4], "big", signed=True)


# -- the mutation being audited ------------------------------------------------------------------


@dataclass
class AuditScope:
    """What the GraphQL layer knows about the mutation now running (see resolvers/audit).

    The unit of work takes the operation name and API key from here when not given them, and
    every append counts itself here so the layer knows whether the mutation left a row.
    """

    operation: str
    api_key_id: uuid.UUID | None = None
    written: int = field(default=0)


audit_scope: ContextVar[AuditScope | None] = ContextVar("audit_scope", default=None)


# -- appending -----------------------------------------------------------------------------------


async def append(conn: AsyncConnection, entry: AuditEntry) -> AuditEntry:
    """Append `entry` to its tenant's chain inside the caller's transaction; returns it sealed.

    Serialised per tenant by an advisory lock held until the caller's transaction ends.
    """
    entry = entry.normalised()
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(:cls, :key)"),
        {"cls": LOCK_CLASS, "key": lock_key(entry.tenant_id)},
    )
    # A statement of its own, after the lock: under READ COMMITTED it sees the last commit.
    last = (
        await conn.execute(
            select(audit_log.c.seq, audit_log.c.hash)
            .where(audit_log.c.tenant_id == entry.tenant_id)
            .order_by(audit_log.c.seq.desc())
            .limit(1)
        )
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    entry = entry.at(seq)
    digest = chain_hash(prev_hash, entry)
    await conn.execute(
        insert(audit_log).values(
            tenant_id=entry.tenant_id,
            seq=seq,
            occurred_at=entry.occurred_at,
            actor_user_id=entry.actor_user_id,
            api_key_id=entry.api_key_id,
            operation=entry.operation,
            outcome=entry.outcome,
            aggregate_type=entry.aggregate_type,
            aggregate_id=entry.aggregate_id,
            changes=entry.changes,
            ip_address=entry.ip_address,
            user_agent=entry.user_agent,
            request_id=entry.request_id,
            correlation_id=entry.correlation_id,
            prev_hash=prev_hash,
            hash=digest,
        )
    )
    scope = audit_scope.get()
    if scope is not None:
        scope.written += 1
    return entry


async def append_alone(engine: AsyncEngine, entry: AuditEntry) -> AuditEntry:
    """Append in a transaction of its own (refused commands, sign-ins)."""
    async with engine.begin() as conn:
        return await append(conn, entry)


async def record_command(
    conn: AsyncConnection,
    origin: EventOrigin,
    operation: str | None,
    events: Sequence[DomainEvent],
) -> AuditEntry:
    """The row of a command about to commit: who and from where (origin), what (events)."""
    scope = audit_scope.get()
    meta = origin.metadata
    entry = command_entry(
        tenant_id=origin.tenant_id,
        actor_user_id=origin.user_id,
        api_key_id=scope.api_key_id if scope else None,
        operation=operation or (scope.operation if scope else "command"),
        events=events,
        occurred_at=utcnow(),
        ip_address=meta.ip_address,
        user_agent=meta.user_agent,
        request_id=meta.request_id,
        correlation_id=origin.correlation_id,
    )
    return await append(conn, entry)


class SqlSignInAudit:
    """Sign-in attempts of one request, each recorded in a transaction of its own."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        ip_address: str | None,
        user_agent: str | None,
        request_id: str | None,
        correlation_id: str | None = None,
    ) -> None:
        self._engine = engine
        self._ip, self._ua = ip_address, user_agent
        self._request_id = request_id
        self._correlation_id = correlation_id or request_id

    async def sign_in(
        self,
        *,
        tenant_slug: str,
        tenant_id: uuid.UUID | None,
        user_id: uuid.UUID | None,
        outcome: str,
    ) -> None:
        if tenant_id is None:
            async with self._engine.connect() as conn:
                tenant_id = (
                    await conn.execute(select(tenants.c.id).where(tenants.c.slug == tenant_slug))
                ).scalar_one_or_none()
        if tenant_id is None:
            # No tenant to file it under; the log line is the only record.
            logger.info(
                "sign-in to an unknown tenant",
                extra={"outcome": outcome, "ip": self._ip, "request_id": self._request_id},
            )
            return
        await append_alone(
            self._engine,
            AuditEntry(
                tenant_id=tenant_id,
                occurred_at=utcnow(),
                operation=SIGN_IN,
                outcome=outcome,
                actor_user_id=user_id,
                aggregate_type="User" if user_id else None,
                aggregate_id=user_id,
                ip_address=self._ip,
                user_agent=self._ua,
                request_id=self._request_id,
                correlation_id=self._correlation_id,
            ),
        )


# -- verifying -----------------------------------------------------------------------------------

_VERIFY_SQL = """
SELECT seq, prev_hash, hash, tenant_id::text,
       to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       actor_user_id::text, api_key_id::text, operation, outcome, aggregate_type,
       aggregate_id::text, changes::text, ip_address, user_agent, request_id, correlation_id
FROM shared.audit_log
WHERE tenant_id = $1
ORDER BY seq
"""


async def verify_chain(
    engine: AsyncEngine,
    tenant_id: uuid.UUID,
    progress: Callable[[int], None] | None = None,
) -> ChainVerification:
    """Recompute a tenant's whole chain from its stored rows; name the first broken row.

    Rows stream through a server-side cursor in batches (constant memory), inside one
    REPEATABLE READ transaction so the chain is checked as of a single moment.
    """
    verifier = ChainVerifier(OrjsonCodec())
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            await conn.execute(text("SET TRANSACTION READ ONLY"))
            raw: Any = (await conn.get_raw_connection()).driver_connection
            cursor = await raw.cursor(_VERIFY_SQL, tenant_id)
            upcoming: asyncio.Future[list[Any]] | None = None
            try:
                batch = await cursor.fetch(VERIFY_BATCH)
                while batch:
                    # Ask for the next batch before hashing this one: the server reads and
                    # sends it (into the socket buffers) while this process hashes.
                    upcoming = asyncio.ensure_future(cursor.fetch(VERIFY_BATCH))
                    await asyncio.sleep(0)  # let the request go out
                    if not verifier.feed(batch):
                        break
                    if progress is not None:
                        progress(verifier.checked)
                    batch, upcoming = await upcoming, None
            finally:
                if upcoming is not None:  # the connection must be idle before it is released
                    with contextlib.suppress(Exception):
                        await upcoming
    return verifier.result()


# -- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    actor_user_id: uuid.UUID | None = None
    operation: str | None = None
    outcome: str | None = None
    aggregate_type: str | None = None
    aggregate_id: uuid.UUID | None = None
    occurred_from: datetime | None = None  # inclusive
    occurred_to: datetime | None = None  # exclusive


async def page(
    engine: AsyncEngine,
    tenant_id: uuid.UUID,
    filters: AuditFilter,
    first: int,
    after: int | None = None,
) -> list[dict[str, Any]]:
    """Newest first; `after` is the seq of the last row already seen. Returns up to first + 1
    rows (the extra one only tells that there is a next page)."""
    c = audit_log.c
    query = select(audit_log).where(c.tenant_id == tenant_id)
    if filters.actor_user_id is not None:
        query = query.where(c.actor_user_id == filters.actor_user_id)
    if filters.operation is not None:
        query = query.where(c.operation == filters.operation)
    if filters.outcome is not None:
        query = query.where(c.outcome == filters.outcome)
    if filters.aggregate_type is not None:
        query = query.where(c.aggregate_type == filters.aggregate_type)
    if filters.aggregate_id is not None:
        query = query.where(c.aggregate_id == filters.aggregate_id)
    if filters.occurred_from is not None:
        query = query.where(c.occurred_at >= filters.occurred_from)
    if filters.occurred_to is not None:
        query = query.where(c.occurred_at < filters.occurred_to)
    if after is not None:
        query = query.where(c.seq < after)
    query = query.order_by(c.seq.desc()).limit(first + 1)
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(query)]
