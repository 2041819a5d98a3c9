"""Webhook endpoints, deliveries (messages) and attempts for queries. Secrets never leave here:
the endpoints' secret columns are not selected (an endpoint's public key is derived by the
command side when it is created)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from db.tables.webhooks import webhook_attempts, webhook_endpoints, webhook_messages

ENDPOINT_COLUMNS = tuple(
    c for c in webhook_endpoints.c if c.name not in {"secret", "previous_secret", "signing_key"}
)
# The public key of an endpoint signing with ed25519 is not stored in clear: the command side
# derives it; queries report only whether the endpoint signs asymmetrically.
_SIGNS_ASYMMETRICALLY = webhook_endpoints.c.signing_key.is_not(None).label("asymmetric")


def _visible(visible: Collection[uuid.UUID] | None) -> Any:
    """Tenant-wide endpoints, and those of the companies the caller may enter (None: all)."""
    if visible is None:
        return True
    return or_(
        webhook_endpoints.c.company_id.is_(None),
        webhook_endpoints.c.company_id.in_(list(visible)),
    )


async def endpoints(
    engine: AsyncEngine, *, visible: Collection[uuid.UUID] | None, company_id: uuid.UUID | None
) -> list[dict[str, Any]]:
    query = (
        select(*ENDPOINT_COLUMNS, _SIGNS_ASYMMETRICALLY)
        .where(_visible(visible))
        .order_by(webhook_endpoints.c.created_at, webhook_endpoints.c.id)
    )
    if company_id is not None:
        query = query.where(webhook_endpoints.c.company_id == company_id)
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(query)]


async def endpoint(
    engine: AsyncEngine, endpoint_id: uuid.UUID, *, visible: Collection[uuid.UUID] | None
) -> dict[str, Any] | None:
    query = select(*ENDPOINT_COLUMNS, _SIGNS_ASYMMETRICALLY).where(
        webhook_endpoints.c.id == endpoint_id, _visible(visible)
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    return dict(row._mapping) if row is not None else None


async def deliveries_page(
    engine: AsyncEngine,
    *,
    endpoint_id: uuid.UUID,
    status: str | None,
    first: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[dict[str, Any]]:
    """Newest first, `first + 1` rows (the extra one says whether a next page exists); the
    index (endpoint_id, created_at, id) serves the order."""
    m = webhook_messages.c
    query = (
        select(webhook_messages)
        .where(m.endpoint_id == endpoint_id)
        .order_by(m.created_at.desc(), m.id.desc())
        .limit(first + 1)
    )
    if status is not None:
        query = query.where(m.status == status)
    if after is not None:
        query = query.where(tuple_(m.created_at, m.id) < tuple_(*after))
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(query)]


async def delivery(
    engine: AsyncEngine,
    *,
    message_id: uuid.UUID | None = None,
    endpoint_and_event: tuple[uuid.UUID, uuid.UUID] | None = None,
) -> dict[str, Any] | None:
    m = webhook_messages.c
    if message_id is not None:
        where = m.id == message_id
    elif endpoint_and_event is not None:
        where = and_(m.endpoint_id == endpoint_and_event[0], m.event_id == endpoint_and_event[1])
    else:
        raise ValueError("a message id or an (endpoint, event) pair")
    async with engine.connect() as conn:
        row = (await conn.execute(select(webhook_messages).where(where))).first()
    return dict(row._mapping) if row is not None else None


async def attempts_by_message(
    engine: AsyncEngine, message_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The dataloader's batch: every attempt of each message, oldest first."""
    a = webhook_attempts.c
    query = (
        select(webhook_attempts)
        .where(a.message_id.in_(list(message_ids)))
        .order_by(a.message_id, a.attempted_at, a.id)
    )
    found: dict[uuid.UUID, list[dict[str, Any]]] = {m: [] for m in message_ids}
    async with engine.connect() as conn:
        for row in await conn.execute(query):
            found[row.message_id].append(dict(row._mapping))
    return found
