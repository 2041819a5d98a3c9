"""Reads of a tenant's outbox for event streams that resume: where an event stands in the
outbox's order (its row id) and the committed events after a position, a page at a time.

The outbox keeps every committed event and its order, whether or not Redis was up to carry it,
so a subscriber that may have missed events (a Redis outage, a full queue, a reconnected client)
reads them here instead of losing them. `engine`: the tenant's engine (its schema translation
maps the `tenant` placeholder to the tenant's own schema, so another tenant's rows are never in
reach).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.tables.tenant import outbox


@dataclass(frozen=True)
class StoredEvent:
    position: int  # the outbox row id: the order events are replayed in
    envelope: dict[str, Any]
    published_at: datetime | None = None  # when the relay sent it live (None: not yet)


async def stored_event(engine: AsyncEngine, event_id: uuid.UUID) -> StoredEvent | None:
    """The tenant's event `event_id` and its position, or None if the tenant has no such event."""
    query = select(outbox.c.id, outbox.c.envelope, outbox.c.published_at).where(
        outbox.c.event_id == event_id
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    return None if row is None else StoredEvent(row.id, row.envelope, row.published_at)


async def latest_position(engine: AsyncEngine) -> int:
    """The position of the newest committed event (0 when there is none)."""
    async with engine.connect() as conn:
        newest = (await conn.execute(select(func.max(outbox.c.id)))).scalar_one_or_none()
    return int(newest or 0)


async def events_after(engine: AsyncEngine, position: int, limit: int) -> list[StoredEvent]:
    """Up to `limit` committed events after `position`, oldest first (by the primary key)."""
    query = (
        select(outbox.c.id, outbox.c.envelope)
        .where(outbox.c.id > position)
        .order_by(outbox.c.id)
        .limit(limit)
    )
    async with engine.connect() as conn:
        return [StoredEvent(r.id, r.envelope) for r in await conn.execute(query)]


async def sent_later_before(
    engine: AsyncEngine, resumed: StoredEvent, lookback: int
) -> list[StoredEvent]:
    """Events positioned within `lookback` before `resumed` that were not sent live before it.

    An event's position is drawn when its transaction writes it, but it is sent when it commits:
    one positioned earlier may commit (and be sent) after the event a client resumes after. Live
    delivery follows the relay's sending order, so those sent later than `resumed` (or not sent
    at all yet) are the ones the client cannot have received; oldest first.
    """
    earlier = (outbox.c.id < resumed.position) & (outbox.c.id >= resumed.position - lookback)
    if resumed.published_at is not None:
        earlier &= or_(
            outbox.c.published_at.is_(None), outbox.c.published_at > resumed.published_at
        )
    query = select(outbox.c.id, outbox.c.envelope, outbox.c.published_at).where(earlier)
    async with engine.connect() as conn:
        rows = await conn.execute(query.order_by(outbox.c.id))
        return [StoredEvent(r.id, r.envelope, r.published_at) for r in rows]


__all__ = [
    "StoredEvent",
    "events_after",
    "latest_position",
    "sent_later_before",
    "stored_event",
]
