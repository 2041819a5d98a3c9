"""The tenant context of each request, cached in Redis and invalidated when the tenant changes.

A request costs one Redis round trip (an MGET of the context and the tenant's context version);
the database is asked only on a miss. Invalidation bumps the version rather than only deleting
the key, so a reader that loaded the old row just before the change cannot put it back: what it
writes carries the old version and is ignored.
"""

from __future__ import annotations

import contextlib
import logging
import uuid

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.tables.shared import tenants
from domain.identity.plans import TenantContext

logger = logging.getLogger("bigledger.tenant_context")

CACHE_TTL_SECONDS = 300
_FORMAT = 1  # bump when TenantContext.to_json changes shape; older entries are reloaded

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
    tenants.c.feature_overrides,
    tenants.c.limit_overrides,
)


def context_key(tenant_id: uuid.UUID) -> str:
    return f"tenant-context:{tenant_id}"


def version_key(tenant_id: uuid.UUID) -> str:
    return f"tenant-context-version:{tenant_id}"


async def load_tenant_context(engine: AsyncEngine, tenant_id: uuid.UUID) -> TenantContext | None:
    """One SQL query: the tenant's row, its plan's features and limits with overrides merged."""
    async with engine.connect() as conn:
        row = (await conn.execute(select(*_COLUMNS).where(tenants.c.id == tenant_id))).first()
    if row is None:
        return None
    return TenantContext.build(
        tenant_id=row.id,
        schema=row.schema_name,
        plan=row.plan,
        timezone=row.timezone,
        locale=row.locale,
        currency=row.currency_code,
        slug=row.slug,
        name=row.name,
        status=row.status,
        feature_overrides=row.feature_overrides,
        limit_overrides=row.limit_overrides,
    )


DECODED_CACHE_SIZE = 1024  # decoded entries kept per process


class TenantContextStore:
    def __init__(self, engine: AsyncEngine, redis: Redis, ttl: int = CACHE_TTL_SECONDS) -> None:
        self._engine = engine
        self._redis = redis
        self._ttl = ttl
        # raw cached entry -> (its version, the context; None: another format). Contexts are
        # frozen and an entry's bytes carry its version, so a hot tenant is decoded once.
        self._decoded: dict[bytes | str, tuple[int, TenantContext | None]] = {}

    @staticmethod
    def cache_keys(tenant_id: uuid.UUID) -> tuple[str, str]:
        """What `get` reads in one MGET: the cached entry and the tenant's context version."""
        return context_key(tenant_id), version_key(tenant_id)

    async def get(self, tenant_id: uuid.UUID) -> TenantContext | None:
        try:
            cached, raw_version = await self._redis.mget(*self.cache_keys(tenant_id))
        except RedisError:
            return await load_tenant_context(self._engine, tenant_id)  # the cache is optional
        return await self.from_cache_reply(tenant_id, cached, raw_version)

    async def from_cache_reply(
        self, tenant_id: uuid.UUID, cached: bytes | str | None, raw_version: bytes | str | None
    ) -> TenantContext | None:
        """The context from the values of `cache_keys` (read by `get` or by a caller's own
        pipeline); a missing, stale or unreadable entry is reloaded and cached again."""
        version = int(raw_version or 0)
        if cached:
            context = self._decode(cached, version)
            if context is not None:
                return context
        context = await load_tenant_context(self._engine, tenant_id)
        if context is not None:
            entry_bytes = orjson.dumps({"f": _FORMAT, "v": version, "c": context.to_json()})
            with contextlib.suppress(RedisError):
                await self._redis.set(context_key(tenant_id), entry_bytes, ex=self._ttl)
        return context

    def _decode(self, cached: bytes | str, version: int) -> TenantContext | None:
        hit = self._decoded.get(cached)
        if hit is None:
            try:
                entry = orjson.loads(cached)
                context = TenantContext.from_json(entry["c"]) if entry["f"] == _FORMAT else None
                hit = (int(entry["v"]), context)
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                logger.warning("unreadable tenant context cache entry")
                return None
            if len(self._decoded) >= DECODED_CACHE_SIZE:
                del self._decoded[next(iter(self._decoded))]
            self._decoded[cached] = hit
        entry_version, context = hit
        return context if entry_version == version else None

    async def invalidate(self, tenant_id: uuid.UUID) -> None:
        """Call after committing any change to the tenant's row (plan, overrides, status...)."""
        await invalidate_tenant_context(self._redis, tenant_id)


async def invalidate_tenant_context(redis: Redis, tenant_id: uuid.UUID) -> None:
    """Usable without a store (the CLI): the next request of any API process reloads the row."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(version_key(tenant_id))
        pipe.delete(context_key(tenant_id))
        await pipe.execute()
