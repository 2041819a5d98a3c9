"""Tenant records for request handling, cached briefly in-process (they rarely change)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.tables.shared import tenants


@dataclass(frozen=True)
class TenantRecord:
    id: uuid.UUID
    slug: str
    name: str
    schema_name: str
    status: str
    plan: str
    timezone: str
    locale: str
    currency_code: str

    @property
    def active(self) -> bool:
        return self.status == "active"


_COLUMNS = (
    tenants.c.id,
    tenants.c.slug,
    tenants.c.name,
    tenants.c.schema_name,
    tenants.c.status,
    tenants.c.plan,
    tenants.c.timezone,
    tenants.c.locale,
    tenants.c.currency_code,
)


class TenantDirectory:
    """Looks tenants up by id. A suspended tenant is noticed within `ttl` seconds."""

    def __init__(self, engine: AsyncEngine, ttl: float = 30.0) -> None:
        self._engine = engine
        self._ttl = ttl
        self._cache: dict[uuid.UUID, tuple[float, TenantRecord | None]] = {}

    async def get(self, tenant_id: uuid.UUID) -> TenantRecord | None:
        now = time.monotonic()
        hit = self._cache.get(tenant_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(*_COLUMNS).where(tenants.c.id == tenant_id))).first()
        record = TenantRecord(**row._mapping) if row else None
        self._cache[tenant_id] = (now + self._ttl, record)
        return record

    async def all_active(self) -> list[TenantRecord]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(*_COLUMNS).where(tenants.c.status == "active"))
        return [TenantRecord(**r._mapping) for r in rows]

    def forget(self, tenant_id: uuid.UUID) -> None:
        self._cache.pop(tenant_id, None)
