"""Audit checkpoints: take each lane's head, have it signed, keep a copy (domain/audit/checkpoints).

A checkpoint is issued on demand (`auditCheckpoint`) and periodically (workers/audit_checkpoints)
for tenants whose log moved since their last one. One transaction per issue, under an advisory
lock per tenant, so API processes issuing at once do not issue twice.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.audit import LANE_SPAN, LANES, lock_key
from db.tables.shared import audit_checkpoints
from domain.audit.checkpoints import Checkpoint, CheckpointSigner, LaneHead
from domain.shared.clock import utcnow

LOCK_CLASS = 0x41434B50  # "ACKP": one checkpoint at a time per tenant

_LANE_HEADS = text(
    f"""
    SELECT l.lane, h.seq, h.hash
    FROM generate_series(0, {LANES - 1}) AS l(lane)
    CROSS JOIN LATERAL (
        SELECT a.seq, a.hash FROM shared.audit_log a
        WHERE a.tenant_id = :t AND a.seq > l.lane * {LANE_SPAN}::bigint
          AND a.seq < (l.lane + 1) * {LANE_SPAN}::bigint
        ORDER BY a.seq DESC LIMIT 1
    ) h
    ORDER BY l.lane
    """
)


async def lane_heads(conn: AsyncConnection, tenant_id: uuid.UUID) -> tuple[LaneHead, ...]:
    """Each lane's last committed row (lanes without rows are left out). A lane's rows commit
    in seq order (its lock is held to the commit), so no later row can land below a head."""
    rows = await conn.execute(_LANE_HEADS, {"t": tenant_id})
    return tuple(LaneHead(int(r.lane), int(r.seq), str(r.hash)) for r in rows)


def _lanes_json(heads: tuple[LaneHead, ...]) -> list[dict[str, Any]]:
    return [{"lane": h.lane, "seq": h.seq, "hash": h.hash} for h in heads]


async def issue(
    engine: AsyncEngine,
    tenant_id: uuid.UUID,
    signer: CheckpointSigner,
    *,
    unless_newer_than: timedelta | None = None,
) -> Checkpoint | None:
    """Sign the tenant's lane heads now and keep the checkpoint. With `unless_newer_than`
    (the periodic run), nothing is issued if the last checkpoint is that recent or the log has
    not moved since it; returns None then."""
    async with engine.begin() as conn:
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(CAST(:class AS int), CAST(:key AS int))"),
            {"class": LOCK_CLASS, "key": lock_key(tenant_id)},
        )
        heads = await lane_heads(conn, tenant_id)
        if unless_newer_than is not None:
            last = (
                await conn.execute(
                    select(audit_checkpoints.c.issued_at, audit_checkpoints.c.lanes)
                    .where(audit_checkpoints.c.tenant_id == tenant_id)
                    .order_by(audit_checkpoints.c.id.desc())
                    .limit(1)
                )
            ).first()
            recent = last is not None and last.issued_at > utcnow() - unless_newer_than
            unmoved = last is not None and last.lanes == _lanes_json(heads)
            if not heads or recent or unmoved:
                return None
        unsigned = Checkpoint(tenant_id, utcnow().replace(microsecond=0), heads)
        checkpoint = Checkpoint(tenant_id, unsigned.issued_at, heads, signer.sign(unsigned))
        await conn.execute(
            audit_checkpoints.insert().values(
                tenant_id=tenant_id,
                issued_at=checkpoint.issued_at,
                lanes=_lanes_json(heads),
                token=checkpoint.token,
            )
        )
    return checkpoint


async def kept(engine: AsyncEngine, tenant_id: uuid.UUID, first: int) -> list[str]:
    """The tokens of the tenant's newest checkpoints the server keeps, newest first. Only the
    tokens: callers believe what the signature covers, never the columns beside it."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(audit_checkpoints.c.token)
            .where(audit_checkpoints.c.tenant_id == tenant_id)
            .order_by(audit_checkpoints.c.id.desc())
            .limit(first)
        )
        return list(rows.scalars())
