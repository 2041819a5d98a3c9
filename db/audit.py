"""The audit store: `shared.audit_log`, hash-chained per tenant in lanes (rules in domain/audit).

Lanes. A tenant's log is LANES independent hash chains. A command appends its row to the first
lane no other transaction of the tenant holds (transaction-scoped advisory lock per lane, taken
by `shared.audit_claim_lane` together with the lane's last row, inside `shared.audit_append`);
only when every lane is busy does it queue, for a random one. So up to LANES commands of one
tenant commit at once (group commit), where one chain forced them through one lock held until
each COMMIT. Callers still append last, right before they commit, to hold their lane briefly.

Lane L stores its rows at seq L * LANE_SPAN + 1, + 2, ... (gapless within the lane); seq stays
unique per tenant and fits a GraphQL Int, and lane 0 is exactly the single chain of old (its
rows keep their seqs: nothing to migrate). Each row is hashed with its position in its lane
(seq - L * LANE_SPAN) as `AuditEntry.seq`, so every lane is a chain by domain/audit's rules:
changing a row breaks its hash, removing, inserting, renumbering or moving a row to another
lane breaks a link. `verify_chain` walks every lane (one ordered scan: lanes are seq ranges)
and names the first broken row by its stored seq. Without concurrency every row lands in lane
0, so a quiet tenant's log reads 1, 2, 3, ... as before. The log is listed newest first by
occurred_at (lanes interleave in time), seq breaking ties.

Keyed. Rows are sealed with the chain key (`FieldCipher.audit_chain_key`, from the key ring;
rules in domain/audit): `shared.audit_append_keyed` (migration 0009) computes the HMAC from the
per-row key this side sends, so a row nobody with the key wrote fails verification, even one
whose hash was recomputed by a database superuser. Lanes written before keying end in unkeyed
rows; `key_legacy_lanes` appends a keyed row to each (at start-up), which pins them. Signed
checkpoints of the lanes' heads (db/audit_checkpoints.py) are checked by `verify_chain` when
given as `anchors`: a lane that no longer reaches a checkpoint's row, or whose row there has
another hash, was truncated or rewritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.driver_path.connection import driver_connection
from db.driver_path.statement_parts import NumberFill, Preceding
from db.engine import SCHEMAS_CACHED
from db.tables.shared import audit_log, tenants
from domain.audit.checkpoints import LaneHead
from domain.audit.model import (
    CHAIN_KEYED,
    GENESIS_HASH,
    SIGN_IN,
    AuditEntry,
    ChainVerification,
    ChainVerifier,
    command_entry,
    content_around_seq,
    hmac_pads,
    keyed_chain_hash,
    row_key,
)
from domain.shared.clock import utcnow
from domain.shared.events import DomainEvent, EventOrigin

__all__ = [
    "AuditFilter",
    "AuditScope",
    "ChainVerification",
    "Preceding",
    "SqlSignInAudit",
    "append",
    "append_alone",
    "audit_scope",
    "key_legacy_lanes",
    "page",
    "record_command",
    "verify_chain",
]

logger = logging.getLogger("bigledger.audit")

# pg_advisory_xact_lock(int4, int4): this class id + the lane, and 32 bits of the tenant id.
# The two-key form has a lock space of its own, apart from single-bigint advisory locks used
# elsewhere. Lane 0's key is the single chain's key of old.
LOCK_CLASS = 0x41554454  # "AUDT"
LANES = 8
LANE_SPAN = 2**28  # seqs per lane: lane 7's last seq is 2**31 - 1, the largest GraphQL Int
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


def lane_of(seq: int) -> int:
    return (seq - 1) // LANE_SPAN


_APPEND_PARAMETERS = 22  # shared.audit_append_keyed's
_CHANGES, _HEAD, _TAIL = 14, 19, 20  # their places among them


def _append_statement(preceding: Preceding | None) -> str:
    if preceding is None:
        return _append_text(None, 0, None)
    return _append_text(preceding.cte, len(preceding.args), preceding.fill)


@lru_cache(maxsize=SCHEMAS_CACHED)
def _append_text(cte: str | None, offset: int, fill: NumberFill | None) -> str:
    params = [f"${offset + i}" for i in range(1, _APPEND_PARAMETERS + 1)]
    call = "SELECT shared.audit_append_keyed({})"
    if fill is not None:  # the number drawn in this statement, where the token stands
        token, value = f"${offset + _APPEND_PARAMETERS + 1}", fill.value_sql
        params[_CHANGES] = f"replace({params[_CHANGES]}::text, {token}, {value})::jsonb"
        for at in (_HEAD, _TAIL):
            params[at] = (
                f"convert_to(replace(convert_from({params[at]}, 'UTF8'), {token}, {value}), 'UTF8')"
            )
        call += f", {fill.returning_sql}"
    call = call.format(", ".join(params))
    return call if cte is None else f"WITH {cte} {call}"


async def append(
    conn: AsyncConnection, entry: AuditEntry, *, key: bytes, preceding: Preceding | None = None
) -> AuditEntry:
    """Append `entry` to one of its tenant's lanes inside the caller's transaction, sealed with
    the chain `key`; returns it with its stored seq. The lane stays locked until the caller's
    transaction ends."""
    sealed, _ = await _append(conn, entry, key, preceding)
    return sealed


async def _append(
    conn: AsyncConnection, entry: AuditEntry, key: bytes, preceding: Preceding | None
) -> tuple[AuditEntry, tuple[Any, ...] | None]:
    """One round trip (`shared.audit_append_keyed`, migration 0009): the database claims the
    lane and chains the keyed hash over the content this side cut around the seq
    (`content_around_seq`), under the row's key (its HMAC pads), after `preceding`'s writes;
    returns the sealed entry and what they return of the number they drew, if they drew one."""
    entry = entry.normalised()
    head, tail = content_around_seq(entry, CHAIN_KEYED)
    pads = hmac_pads(row_key(key, entry.content(CHAIN_KEYED)))
    raw = await driver_connection(conn)
    fill = preceding.fill if preceding is not None else None
    row = await raw.fetchrow(
        _append_statement(preceding),
        *(preceding.args if preceding is not None else ()),
        entry.tenant_id,
        lock_key(entry.tenant_id),
        LOCK_CLASS,
        LANES,
        LANE_SPAN,
        random.randrange(LANES),  # noqa: S311 -- spreads waiters, not a secret
        GENESIS_HASH,
        entry.occurred_at,
        entry.actor_user_id,
        entry.api_key_id,
        entry.operation,
        entry.outcome,
        entry.aggregate_type,
        entry.aggregate_id,
        None if entry.changes is None else orjson.dumps(entry.changes).decode(),
        entry.ip_address,
        entry.user_agent,
        entry.request_id,
        entry.correlation_id,
        head,
        tail,
        pads,
        *((fill.token,) if fill is not None else ()),
    )
    scope = audit_scope.get()
    if scope is not None:
        scope.written += 1
    return entry.at(int(row[0])), (tuple(row)[1:] if fill is not None else None)


async def append_alone(engine: AsyncEngine, entry: AuditEntry, *, key: bytes) -> AuditEntry:
    """Append in a transaction of its own (refused commands, sign-ins)."""
    async with engine.begin() as conn:
        return await append(conn, entry, key=key)


async def record_command(
    conn: AsyncConnection,
    origin: EventOrigin,
    operation: str | None,
    events: Sequence[DomainEvent],
    *,
    key: bytes,
    preceding: Preceding | None = None,
) -> tuple[Any, ...] | None:
    """The row of a command about to commit: who and from where (origin), what (events),
    written after `preceding`'s writes in the same statement. Returns what `preceding` returns
    of the number it drew (`NumberFill.returning_sql`), if it drew one."""
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
    _, drawn = await _append(conn, entry, key, preceding)
    return drawn


class SqlSignInAudit:
    """Sign-in attempts of one request, each recorded in a transaction of its own."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        key: bytes,
        ip_address: str | None,
        user_agent: str | None,
        request_id: str | None,
        correlation_id: str | None = None,
    ) -> None:
        self._engine = engine
        self._key = key
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
            key=self._key,
        )


# -- verifying -----------------------------------------------------------------------------------

# VERIFY_COLUMNS with seq as the position within the lane, then the chain version, the stored
# seq and the lane (column 18).
_VERIFY_SQL = f"""
SELECT seq - (seq - 1) / {LANE_SPAN} * {LANE_SPAN}, prev_hash, hash, tenant_id::text,
       to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       actor_user_id::text, api_key_id::text, operation, outcome, aggregate_type,
       aggregate_id::text, changes::text, ip_address, user_agent, request_id, correlation_id,
       chain_version, seq, (seq - 1) / {LANE_SPAN}
FROM shared.audit_log
WHERE tenant_id = $1
ORDER BY seq
"""
_LANE = 18


class LaneVerifier:
    """Every lane of a tenant through its own `ChainVerifier`; rows arrive in seq order, so
    lane after lane. Stops at the first broken row of any lane.

    With `anchors` (a checkpoint's lane heads), each lane must still reach its anchor's row
    and hold the same hash there: the only checks that find rows removed from a lane's end,
    or a whole lane re-hashed by someone holding the chain key.
    """

    def __init__(self, key: bytes, anchors: Sequence[LaneHead] = ()) -> None:
        self._key = key
        self._anchors = {a.lane: a for a in anchors}
        self._lane = -1
        self._current = ChainVerifier(OrjsonCodec(), key)
        self._done_rows = 0  # rows of lanes already finished
        self._heads: list[tuple[str, str]] = []  # (last occurred_at, hash) of finished lanes
        self._last_at = ""
        self._last_seq = 0  # stored seq of the current lane's last row
        self._anchor_break: tuple[int, str] | None = None

    @property
    def checked(self) -> int:
        return self._done_rows + self._current.checked

    def _finish_lane(self) -> bool:
        """Close the current lane; False if it ends before its anchor."""
        if self._lane >= 0 and not self._reaches_anchor(self._lane, self._last_seq):
            return False
        result = self._current.result()
        if not result.ok:  # ends in unkeyed rows: its verdict is the lane's
            return False
        if self._current.checked:
            self._heads.append((self._last_at, self._current.head))
        self._done_rows += self._current.checked
        self._current = ChainVerifier(OrjsonCodec(), self._key)
        return True

    def _reaches_anchor(self, lane: int, last_seq: int) -> bool:
        anchor = self._anchors.pop(lane, None)
        if anchor is None or last_seq >= anchor.seq:
            return True
        ends = f"ends at seq {last_seq}" if last_seq else "has no rows"
        self._anchor_break = (
            anchor.seq,
            f"lane {lane} {ends} but the checkpoint holds seq {anchor.seq}: rows were "
            "removed from its end (truncated)",
        )
        return False

    def _check_anchor(self, rows: Sequence[Any]) -> bool:
        anchor = self._anchors.get(self._lane)
        if anchor is None or not rows[0][17] <= anchor.seq <= rows[-1][17]:
            return True
        row = rows[anchor.seq - rows[0][17]]  # rows of a lane that verified are gapless
        if row[2] == anchor.hash:
            return True
        self._anchor_break = (
            anchor.seq,
            f"row {anchor.seq} has another hash than the checkpoint holds: the history up to "
            "it was rewritten",
        )
        return False

    def feed(self, rows: Sequence[Any]) -> bool:
        start = 0
        while start < len(rows):
            lane = rows[start][_LANE]
            end = start
            while end < len(rows) and rows[end][_LANE] == lane:
                end += 1
            if lane != self._lane:
                if not self._finish_lane():
                    return False
                self._lane, self._last_seq = lane, 0
            if not self._current.feed(rows[start:end]):
                return False
            if not self._check_anchor(rows[start:end]):
                return False
            self._last_at, self._last_seq = rows[end - 1][4], rows[end - 1][17]
            start = end
        return True

    def result(self) -> ChainVerification:
        if self._anchor_break is None and self._current.broken is None and self._finish_lane():
            for lane in sorted(self._anchors):  # anchored lanes with no row left at all
                if not self._reaches_anchor(lane, 0):
                    break
            else:
                head = max(self._heads)[1] if self._heads else GENESIS_HASH
                return ChainVerification(True, self._done_rows, head_hash=head)
        if self._anchor_break is not None:
            seq, reason = self._anchor_break
            return ChainVerification(False, self.checked, seq, reason, self._current.head)
        lane_result = self._current.result()
        assert lane_result.first_broken_seq is not None and lane_result.reason is not None
        base = self._lane * LANE_SPAN
        reason = lane_result.reason
        if self._lane:
            reason = f"lane {self._lane}: {reason} (row n of this lane is seq {base} + n)"
        return ChainVerification(
            False,
            self._done_rows + lane_result.checked_rows,
            base + lane_result.first_broken_seq,
            reason,
            lane_result.head_hash,
        )


async def verify_chain(
    engine: AsyncEngine,
    tenant_id: uuid.UUID,
    *,
    key: bytes,
    anchors: Sequence[LaneHead] = (),
    progress: Callable[[int], None] | None = None,
) -> ChainVerification:
    """Recompute every lane of a tenant's log from its stored rows with the chain `key`, and
    hold it to a checkpoint's lane heads (`anchors`); name the first broken row.

    Rows stream through a server-side cursor in batches (constant memory), inside one
    REPEATABLE READ transaction so the log is checked as of a single moment.
    """
    verifier = LaneVerifier(key, anchors)
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


# -- keying chains written before the key ------------------------------------------------------

_UNKEYED_LANES = f"""
SELECT t.id, l.lane, last.seq, last.hash
FROM shared.tenants t
CROSS JOIN generate_series(0, {LANES - 1}) AS l(lane)
CROSS JOIN LATERAL (
    SELECT a.seq, a.hash, a.chain_version FROM shared.audit_log a
    WHERE a.tenant_id = t.id AND a.seq > l.lane * {LANE_SPAN}::bigint
      AND a.seq < (l.lane + 1) * {LANE_SPAN}::bigint
    ORDER BY a.seq DESC LIMIT 1
) last
WHERE last.chain_version = 1
"""
KEYED_FROM_HERE = "auditChainKeyed"  # the operation of the row that keys a lane


async def key_legacy_lanes(engine: AsyncEngine, key: bytes) -> int:
    """Append one keyed row to every lane whose last row is unkeyed (written before the chain
    was keyed): that row's HMAC covers the lane's head, so the unkeyed rows before it can no
    longer be rewritten unnoticed. Idempotent and safe beside running commands (each lane is
    taken with the appenders' own lock). Returns how many lanes it keyed."""
    async with engine.connect() as conn:
        found = (await conn.execute(text(_UNKEYED_LANES))).all()
    for tenant_id, lane, _, _ in found:
        async with engine.begin() as conn:
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(CAST(:lane AS int), CAST(:tenant AS int))"),
                {"lane": LOCK_CLASS + lane, "tenant": lock_key(tenant_id)},
            )
            last = (
                await conn.execute(
                    text(
                        "SELECT seq, hash, chain_version FROM shared.audit_log "
                        "WHERE tenant_id = :t AND seq > :lo AND seq < :hi "
                        "ORDER BY seq DESC LIMIT 1"
                    ),
                    {"t": tenant_id, "lo": lane * LANE_SPAN, "hi": (lane + 1) * LANE_SPAN},
                )
            ).one()
            if last.chain_version != 1:  # keyed meanwhile (another process starting)
                continue
            entry = (
                AuditEntry(
                    tenant_id=tenant_id,
                    occurred_at=utcnow(),
                    operation=KEYED_FROM_HERE,
                    changes={"keyedAfterSeq": {"after": last.seq}},
                )
                .normalised()
                .at(last.seq + 1)
            )
            values = {
                "tenant_id": tenant_id, "seq": entry.seq, "occurred_at": entry.occurred_at,
                "operation": entry.operation, "outcome": entry.outcome,
                "changes": entry.changes, "prev_hash": last.hash,
                "hash": keyed_chain_hash(key, last.hash, entry), "chain_version": CHAIN_KEYED,
            }  # fmt: skip
            await conn.execute(audit_log.insert().values(**values))
    if found:
        logger.info("audit lanes keyed", extra={"lanes": len(found)})
    return len(found)


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
    """Newest first (occurred_at, then seq: lanes interleave in time); `after` is the seq of
    the last row already seen. Returns up to first + 1 rows (the extra one only tells that
    there is a next page)."""
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
        seen_at = select(c.occurred_at).where(c.tenant_id == tenant_id, c.seq == after)
        query = query.where(tuple_(c.occurred_at, c.seq) < tuple_(seen_at.scalar_subquery(), after))
    query = query.order_by(c.occurred_at.desc(), c.seq.desc()).limit(first + 1)
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(query)]
