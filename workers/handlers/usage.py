"""Usage counters: a projection of what the tenant holds (read by admins, limits later)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.tables.tenant import usage_counters


async def _increment(conn: AsyncConnection, name: str, by: int = 1) -> None:
    stmt = insert(usage_counters).values(name=name, value=by)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[usage_counters.c.name],
            set_={"value": usage_counters.c.value + by, "updated_at": func.now()},
        )
    )


async def count_company(conn: AsyncConnection, envelope: dict[str, Any]) -> None:
    await _increment(conn, "companies")
