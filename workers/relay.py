"""The outbox relay: committed events → Redis pub/sub (per tenant) and Celery handlers.

Woken by PostgreSQL NOTIFY (sent only when an outbox insert commits), it drains that tenant's
outbox with SKIP LOCKED, so several relays (one per API process) share the work safely. What
cannot be delivered — Redis or the broker down — stays pending and is retried with backoff; a
periodic sweep catches anything a lost notification missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

import asyncpg
import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from db.access import access_version_key
from db.engine import TenantEngines, plain_url
from db.outbox import PendingEvent, claim_pending, mark_delivered, mark_failed
from db.tenants import TenantDirectory
from domain.identity.events import ACCESS_CHANGES
from domain.shared.events import tenant_channel
from workers.handlers import handlers_for

logger = logging.getLogger("bigledger.relay")

NOTIFY_CHANNEL = "bigledger_outbox"

# (tenant_id, event_id, handler) for each handler task to enqueue; raises if the broker is down.
Dispatch = Callable[[Sequence[tuple[str, str, str]]], None]


class OutboxRelay:
    def __init__(
        self,
        *,
        database_url: str,
        engines: TenantEngines,
        tenants: TenantDirectory,
        redis: Redis,
        dispatch: Dispatch | None,
        batch_size: int = 200,
        sweep_interval: float = 15.0,
        retry_delay: float = 0.5,
        max_retry_delay: float = 10.0,
    ) -> None:
        self._dsn = plain_url(database_url)
        self._engines = engines
        self._tenants = tenants
        self._redis = redis
        self._dispatch = dispatch
        self._batch = batch_size
        self._sweep_interval = sweep_interval
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._listener: asyncpg.Connection | None = None
        self._failures: dict[str, int] = {}

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="outbox-listen"),
            asyncio.create_task(self._deliver_loop(), name="outbox-deliver"),
            asyncio.create_task(self._sweep_loop(), name="outbox-sweep"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()

    def mark_dirty(self, schema: str) -> None:
        self._dirty.add(schema)
        self._wake.set()

    async def _listen(self) -> None:
        delay = self._retry_delay
        while True:
            try:
                conn = await asyncpg.connect(self._dsn)
                self._listener = conn
                await conn.add_listener(NOTIFY_CHANNEL, lambda *a: self.mark_dirty(a[3]))
                delay = self._retry_delay
                await self._sweep_all()  # notifications sent while we were away are gone
                await _closed(conn)
                logger.warning("outbox listener lost its connection; reconnecting")
            except (OSError, asyncpg.PostgresError) as exc:
                logger.warning("outbox listener cannot connect", extra={"error": str(exc)})
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_retry_delay)

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_interval)
            with contextlib.suppress(Exception):
                await self._sweep_all()

    async def _sweep_all(self) -> None:
        for tenant in await self._tenants.all_active():
            self.mark_dirty(tenant.schema_name)

    async def _deliver_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            schemas, self._dirty = self._dirty, set()
            for schema in schemas:
                try:
                    complete = await self.drain(schema)
                except Exception:
                    logger.exception("outbox drain failed", extra={"schema": schema})
                    complete = False
                if complete:
                    self._failures.pop(schema, None)
                else:
                    self._retry_later(schema)

    def _retry_later(self, schema: str) -> None:
        failures = self._failures[schema] = self._failures.get(schema, 0) + 1
        delay = min(self._retry_delay * 2 ** (failures - 1), self._max_retry_delay)
        asyncio.get_running_loop().call_later(delay, self.mark_dirty, schema)

    async def drain(self, schema: str) -> bool:
        """Deliver everything pending in one tenant's outbox. False if something must wait."""
        engine = self._engines.for_schema(schema)
        while True:
            async with engine.begin() as conn:
                batch = await claim_pending(conn, self._batch)
                if not batch:
                    return True
                published, publish_error = await self._publish(batch)
                dispatched, dispatch_error = await self._dispatch_handlers(batch)
                await mark_delivered(conn, published=published, dispatched=dispatched)
                failed = [e.id for e in batch if e.id not in published and e.needs_publish]
                failed += [e.id for e in batch if e.id not in dispatched and e.needs_dispatch]
                await mark_failed(conn, sorted(set(failed)), publish_error or dispatch_error or "")
            if failed:
                return False
            if len(batch) < self._batch:
                return True

    async def _publish(self, batch: list[PendingEvent]) -> tuple[set[int], str | None]:
        todo = [e for e in batch if e.needs_publish]
        if not todo:
            return set(), None
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for event in todo:
                    if event.event_type in ACCESS_CHANGES:  # subscribers re-check on receipt
                        pipe.incr(access_version_key(event.envelope["tenantId"]))
                    pipe.publish(
                        tenant_channel(event.envelope["tenantId"]), orjson.dumps(event.envelope)
                    )
                await pipe.execute()
        except (RedisError, OSError) as exc:
            logger.warning("redis publish failed; events wait", extra={"error": str(exc)})
            return set(), f"publish: {exc}"
        return {e.id for e in todo}, None

    async def _dispatch_handlers(self, batch: list[PendingEvent]) -> tuple[set[int], str | None]:
        todo = [e for e in batch if e.needs_dispatch]
        if not todo:
            return set(), None
        jobs = [
            (e.envelope["tenantId"], e.envelope["id"], handler)
            for e in todo
            for handler in handlers_for(e.event_type)
        ]
        if jobs and self._dispatch is not None:
            try:
                await asyncio.to_thread(self._dispatch, jobs)
            except Exception as exc:  # kombu raises many types when the broker is away
                logger.warning("celery dispatch failed; events wait", extra={"error": str(exc)})
                return set(), f"dispatch: {exc}"
        elif jobs:
            return set(), "dispatch: no broker configured"
        return {e.id for e in todo}, None


async def _closed(conn: asyncpg.Connection) -> None:
    """Wait until the connection is terminated."""
    closed = asyncio.Event()
    conn.add_termination_listener(lambda _c: closed.set())
    await closed.wait()
