"""Per worker process: one event loop and one engine, made after the fork."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import TenantEngines, create_engine
from db.tenants import TenantDirectory

T = TypeVar("T")


class WorkerRuntime:
    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._loop: asyncio.AbstractEventLoop | None = None
        self._engines: TenantEngines | None = None
        self._tenants: TenantDirectory | None = None

    def run(self, job: Callable[[TenantEngines, TenantDirectory], Awaitable[T]]) -> T:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(self._run(job))

    async def _run(self, job: Callable[[TenantEngines, TenantDirectory], Awaitable[T]]) -> T:
        if self._engines is None or self._tenants is None:
            engine: AsyncEngine = create_engine(self._url, pool_size=2, max_overflow=2)
            self._engines = TenantEngines(engine)
            self._tenants = TenantDirectory(engine)
        return await job(self._engines, self._tenants)
