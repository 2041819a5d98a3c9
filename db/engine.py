"""The async engine and tenant-bound views of it."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

import orjson
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from db.tables import TENANT_SCHEMA_PLACEHOLDER

SCHEMA_NAME = re.compile(r"^tenant_[a-z][a-z0-9_]{1,39}$")


def asyncpg_url(url: str) -> str:
    """Accept the usual postgresql:// spellings and use the asyncpg driver."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def plain_url(url: str) -> str:
    """The libpq form (for asyncpg.connect and tools)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def create_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20) -> AsyncEngine:
    return create_async_engine(
        asyncpg_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=1800,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        connect_args={"server_settings": {"application_name": "bigledger"}},
    )


# Per-schema objects kept in memory (engines, prepared statement texts): the busiest tenants'.
SCHEMAS_CACHED = 1024


class TenantEngines:
    """Hands out the engine bound to one tenant's schema (cached; they share one pool)."""

    def __init__(self, engine: AsyncEngine, max_cached: int = SCHEMAS_CACHED) -> None:
        self._engine = engine
        self._cache: OrderedDict[str, AsyncEngine] = OrderedDict()
        self._max = max_cached

    @property
    def root(self) -> AsyncEngine:
        return self._engine

    def for_schema(self, schema: str) -> AsyncEngine:
        bound = self._cache.get(schema)
        if bound is not None:
            self._cache.move_to_end(schema)
            return bound
        if not SCHEMA_NAME.match(schema):
            raise ValueError(f"not a tenant schema name: {schema!r}")
        bound = self._engine.execution_options(
            schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: schema}
        )
        self._cache[schema] = bound
        if len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return bound
