"""Outbox reads and bookkeeping for the relay, the event hub's catch-up and handlers."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.tables.tenant import outbox, processed_events


@dataclass(frozen=True)
class PendingEvent:
    id: int
    event_type: str
    envelope: dict[str, Any]
    needs_publish: bool
    needs_dispatch: bool


async def claim_pending(conn: AsyncConnection, limit: int) -> list[PendingEvent]:
    """Lock a batch of undelivered rows; other relays skip them (SKIP LOCKED)."""
    query = (
        select(outbox.c.id, outbox.c.event_type, outbox.c.envelope, outbox.c.published_at,
               outbox.c.dispatched_at)
        .where(or_(outbox.c.published_at.is_(None), outbox.c.dispatched_at.is_(None)))
        .order_by(outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )  # fmt: skip
    return [
        PendingEvent(
            r.id, r.event_type, r.envelope, r.published_at is None, r.dispatched_at is None
        )
        for r in await conn.execute(query)
    ]


async def mark_delivered(
    conn: AsyncConnection, *, published: Collection[int], dispatched: Collection[int]
) -> None:
    if published:
        await conn.execute(
            update(outbox).where(outbox.c.id.in_(published)).values(published_at=func.now())
        )
    if dispatched:
        await conn.execute(
            update(outbox).where(outbox.c.id.in_(dispatched)).values(dispatched_at=func.now())
        )


async def mark_failed(conn: AsyncConnection, ids: Sequence[int], error: str) -> None:
    if ids:
        await conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids))
            .values(attempts=outbox.c.attempts + 1, last_error=error[:2000])
        )


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
    "PendingEvent",
    "claim_for_handler",
    "claim_pending",
    "envelope_by_event_id",
    "envelopes_since",
    "mark_delivered",
    "mark_failed",
]
