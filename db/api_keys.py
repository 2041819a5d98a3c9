"""API keys in the shared schema: found by the hash of their token, listed per tenant.

Authentication is one indexed lookup (`secret_hash` is unique). `last_used_at` is written at
most once a minute per key — an in-process gate, then a Redis `SET NX EX 60` gate across
processes — and in a background task, so a request never waits for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.tables.shared import api_keys
from db.unit_of_work import SqlUnitOfWork
from domain.identity.access import Permission
from domain.identity.api_keys import ApiKey, hash_token, well_formed

logger = logging.getLogger("bigledger.api_keys")

TOUCH_INTERVAL_SECONDS = 60
_COLUMNS = (
    api_keys.c.id,
    api_keys.c.tenant_id,
    api_keys.c.name,
    api_keys.c.prefix,
    api_keys.c.permissions,
    api_keys.c.created_by,
    api_keys.c.created_at,
    api_keys.c.last_used_at,
    api_keys.c.revoked_at,
)


def key_from_row(row: Any) -> ApiKey:
    return ApiKey(
        id=row["id"],
        tenant_id=row["tenant_id"],
        name=row["name"],
        prefix=row["prefix"],
        permissions=tuple(Permission.from_json(p) for p in row["permissions"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


class SqlApiKeyRepository:
    """One tenant's keys inside a command's transaction: the unit of work's connection (the
    shared table is reached from the tenant's connection), so the key, its event and the audit
    row commit together."""

    def __init__(self, uow: SqlUnitOfWork, tenant_id: uuid.UUID) -> None:
        self._uow = uow
        self._tenant_id = tenant_id

    @property
    def _conn(self) -> AsyncConnection:
        return self._uow.connection  # only inside `async with uow`

    async def add(self, key: ApiKey, secret_hash: bytes) -> None:
        assert key.tenant_id == self._tenant_id
        await self._conn.execute(
            insert(api_keys).values(
                id=key.id,
                tenant_id=key.tenant_id,
                name=key.name,
                prefix=key.prefix,
                secret_hash=secret_hash,
                permissions=[p.to_json() for p in key.permissions],
                created_by=key.created_by,
                created_at=key.created_at,
            )
        )

    async def get_for_update(self, key_id: uuid.UUID) -> ApiKey | None:
        query = (
            select(*_COLUMNS)
            .where(api_keys.c.id == key_id, api_keys.c.tenant_id == self._tenant_id)
            .with_for_update()
        )
        row = (await self._conn.execute(query)).mappings().first()
        return key_from_row(row) if row else None

    async def revoke(self, key_id: uuid.UUID, now: datetime) -> None:
        await self._conn.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.tenant_id == self._tenant_id)
            .values(revoked_at=now)
        )


class ApiKeyDirectory:
    """Process-wide: authenticate tokens, list a tenant's keys, note when keys are used.

    Its transactions are its own, not a unit of work's: authenticating runs before there is a
    principal, and noting a use is a best-effort background write that is not a command (no
    event, no audit row). Creating and revoking keys are commands (SqlApiKeyRepository)."""

    def __init__(self, engine: AsyncEngine, redis: Redis) -> None:
        self._engine = engine
        self._redis = redis
        self._touched: dict[uuid.UUID, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def authenticate(self, token: str) -> ApiKey | None:
        """The key this token belongs to (revoked ones included: the caller says why), or None."""
        if not well_formed(token):
            return None
        query = select(*_COLUMNS).where(api_keys.c.secret_hash == hash_token(token))
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        return key_from_row(row) if row else None

    async def list(
        self, tenant_id: uuid.UUID, *, include_revoked: bool = True, limit: int = 100
    ) -> list[ApiKey]:
        query = (
            select(*_COLUMNS)
            .where(api_keys.c.tenant_id == tenant_id)
            .order_by(api_keys.c.created_at.desc(), api_keys.c.id)
            .limit(limit)
        )
        if not include_revoked:
            query = query.where(api_keys.c.revoked_at.is_(None))
        async with self._engine.connect() as conn:
            return [key_from_row(r) for r in (await conn.execute(query)).mappings()]

    def touch(self, key_id: uuid.UUID) -> None:
        """Note a use of the key, at most once a minute; returns at once."""
        now = time.monotonic()
        if self._touched.get(key_id, 0.0) > now:
            return
        if len(self._touched) > 10_000:
            self._touched = {k: t for k, t in self._touched.items() if t > now}
        self._touched[key_id] = now + TOUCH_INTERVAL_SECONDS
        task = asyncio.create_task(self._touch(key_id), name=f"api-key-touch-{key_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _touch(self, key_id: uuid.UUID) -> None:
        try:
            first = await self._redis.set(
                f"apikey:used:{key_id}", 1, nx=True, ex=TOUCH_INTERVAL_SECONDS
            )
            if not first:  # another process noted it within the minute
                return
            async with self._engine.begin() as conn:
                await conn.execute(
                    update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=func.now())
                )
        except Exception:
            logger.warning("could not note the use of API key %s", key_id, exc_info=True)

    async def drain(self) -> None:
        """At shutdown: let pending last-used updates finish."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
