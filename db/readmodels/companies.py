from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import RowMapping, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from db.tables.tenant import companies


async def companies_by_id(
    engine: AsyncEngine, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, RowMapping]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(companies).where(companies.c.id.in_(ids)))
        return {r.id: r._mapping for r in rows}


async def companies_page(
    engine: AsyncEngine,
    *,
    first: int,
    after: tuple[datetime, uuid.UUID] | None,
    visible: Collection[uuid.UUID] | None = None,
) -> list[RowMapping]:
    """Keyset page in creation order; fetches one extra row to tell if there is a next page.
    `visible` limits it to those companies (None: all of the tenant's)."""
    query = select(companies).order_by(companies.c.created_at, companies.c.id).limit(first + 1)
    if visible is not None:
        query = query.where(companies.c.id.in_(list(visible)))
    if after is not None:
        query = query.where(tuple_(companies.c.created_at, companies.c.id) > tuple_(*after))
    async with engine.connect() as conn:
        return [r._mapping for r in await conn.execute(query)]
