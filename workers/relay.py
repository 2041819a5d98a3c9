"""The outbox relay: committed events → Redis pub/sub (per tenant) and Celery handlers.

Woken in-process by the unit of work after a command with events commits (`mark_dirty`; each
API process drains what it wrote), and by PostgreSQL NOTIFY from other writers (imports,
scripts: `db.outbox.notify_relays`), it drains that tenant's outbox with SKIP LOCKED, so several
relays (one per API process) share the work safely. What cannot be delivered — Redis or the
broker down — stays pending and is retried with backoff; a periodic sweep catches anything a
lost wake-up missed (a process that died between its commit and its relay's drain).

Dispatch is at least once to *handled*: a row is done (`handled_at`) only when every handler
registered for its type has recorded it in `processed_events`. A second periodic check
re-dispatches, to the handlers still missing, rows dispatched longer than `redispatch_after`
seconds ago and not handled: a task lost with a killed worker (its unacked message waits in
the broker for the visibility timeout, or for ever if the broker restarts without it), a task
dropped by a broker restart, or one that gave up retrying. Handlers deduplicate by event id, so
a re-dispatch of an event whose handler was merely slow changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

import asyncpg
from redis.asyncio import Redis
from redis.exceptions import RedisError

from db.effects import queue_on_publish
from db.engine import plain_url
from db.outbox import (
    NOTIFY_CHANNEL,
    PendingEvent,
    claim_pending,
    claim_unhandled,
    settle,
    settle_unhandled,
)
from db.tenants import TenantDirectory
from db.webhook_delivery import any_due_sql
from domain.shared.events import tenant_channel
from workers.handlers import SUBSCRIBERS, handlers_for
from workers.webhooks import KICK_PENDING_TTL, kicked_key

logger = logging.getLogger("bigledger.relay")

# (tenant_id, event_id, handler) for each handler task to enqueue; raises if the broker is down.
Dispatch = Callable[[Sequence[tuple[str, str, str]]], None]
# tenant ids whose webhook sender should run a round now (workers/webhooks.py)
KickWebhooks = Callable[[Sequence[str]], None]


class OutboxRelay:
    def __init__(
        self,
        *,
        database_url: str,
        tenants: TenantDirectory,
        redis: Redis,
        dispatch: Dispatch | None,
        batch_size: int = 200,
        sweep_interval: float = 15.0,
        gather_window: float = 0.01,
        retry_delay: float = 0.5,
        max_retry_delay: float = 10.0,
        redispatch_after: float = 120.0,
        max_redispatches: int = 10,
        kick_webhooks: KickWebhooks | None = None,
        webhook_sweep_interval: float = 15.0,
    ) -> None:
        self._dsn = plain_url(database_url)
        self._tenants = tenants
        self._redis = redis
        self._dispatch = dispatch
        self._batch = batch_size
        self._sweep_interval = sweep_interval
        self._gather = gather_window
        self._last_drained = 0.0
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._redispatch_after = redispatch_after
        self._max_redispatches = max_redispatches
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._listener: asyncpg.Connection | None = None
        # Its own small pool of bare asyncpg connections: four round trips per batch (begin,
        # claim, settle, commit), nothing compiled, the stored envelope published as it is.
        self._pool: asyncpg.Pool | None = None
        self._failures: dict[str, int] = {}
        self._kick_webhooks = kick_webhooks
        self._webhook_sweep_interval = webhook_sweep_interval

    async def start(self) -> None:
        # min_size=0: connects on the first drain, so a database that is still down at start
        # only delays delivery (the drain fails and is retried) instead of failing start-up.
        self._pool = await asyncpg.create_pool(self._dsn, min_size=0, max_size=2)
        self._tasks = [
            asyncio.create_task(self._listen(), name="outbox-listen"),
            asyncio.create_task(self._deliver_loop(), name="outbox-deliver"),
            asyncio.create_task(self._sweep_loop(), name="outbox-sweep"),
            asyncio.create_task(self._handling_loop(), name="outbox-handling"),
        ]
        if self._kick_webhooks is not None:
            self._tasks.append(
                asyncio.create_task(self._webhook_sweep_loop(), name="webhook-sweep")
            )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
        if self._pool is not None:
            with contextlib.suppress(Exception):
                await self._pool.close()

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

    async def _handling_loop(self) -> None:
        # Checks a few times per timeout, so a lost task is re-sent within ~1.3 timeouts.
        interval = min(max(self._redispatch_after / 3, 0.2), self._sweep_interval)
        while True:
            await asyncio.sleep(interval)
            try:
                for tenant in await self._tenants.all_active():
                    await self.redispatch_unhandled(tenant.schema_name)
            except Exception:
                logger.exception("outbox handling check failed")

    async def redispatch_unhandled(self, schema: str) -> int:
        """Settle the tenant's dispatched rows whose handlers all recorded them; send the others
        again to the handlers that did not. Returns how many rows were re-dispatched."""
        assert self._pool is not None, "start() first"
        redispatched_total = 0
        async with self._pool.acquire() as conn:
            while True:
                async with conn.transaction():
                    rows = await claim_unhandled(
                        conn, schema, SUBSCRIBERS, older_than=self._redispatch_after,
                        limit=self._batch,
                    )  # fmt: skip
                    if not rows:
                        return redispatched_total
                    handled = [r.id for r in rows if not r.missing]
                    # Past the cap a handler is taken to fail on the event for good: it stays
                    # unhandled (`bigledger events check` lists it), and is no longer re-sent.
                    lost = [
                        r for r in rows if r.missing and r.redispatches < self._max_redispatches
                    ]
                    jobs = [(r.tenant_id, r.event_id, h) for r in lost for h in r.missing]
                    if jobs:
                        if self._dispatch is None:
                            return redispatched_total
                        try:
                            await asyncio.to_thread(self._dispatch, jobs)
                        except Exception as exc:  # broker away: the next check tries again
                            logger.warning("re-dispatch failed", extra={"error": str(exc)})
                            lost = []
                        else:
                            logger.warning(
                                "events dispatched but not handled; re-dispatched",
                                extra={"schema": schema, "events": [r.event_id for r in lost]},
                            )
                    await settle_unhandled(
                        conn, schema, handled=handled, redispatched=[r.id for r in lost],
                        note=f"not handled {self._redispatch_after:g}s after dispatch; re-sent",
                    )  # fmt: skip
                redispatched_total += len(lost)
                # a short batch, a failed re-dispatch or a batch of given-up rows: done for now
                if len(rows) < self._batch or not (handled or lost):
                    return redispatched_total

    async def _kick(self, tenant_ids: set[str]) -> None:
        """A round for each tenant, unless one is queued and not started yet."""
        if self._kick_webhooks is None:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for tenant_id in sorted(tenant_ids):
                    pipe.set(kicked_key(tenant_id), "1", nx=True, ex=KICK_PENDING_TTL)
                fresh = await pipe.execute()
            tenant_ids = {t for t, new in zip(sorted(tenant_ids), fresh, strict=True) if new}
        except (RedisError, OSError) as exc:  # without the flag, kick anyway
            logger.warning("webhook kick flag failed", extra={"error": str(exc)})
        if not tenant_ids:
            return
        try:
            await asyncio.to_thread(self._kick_webhooks, sorted(tenant_ids))
        except Exception as exc:  # broker away: the sweep kicks again
            logger.warning("webhook kick failed", extra={"error": str(exc)})
            with contextlib.suppress(RedisError, OSError):
                await self._redis.delete(*(kicked_key(t) for t in tenant_ids))

    async def _webhook_sweep_loop(self) -> None:
        """Rounds for what no commit announces: retries come due, leases of killed workers run
        out, breakers half-open. One probe of the due index per tenant per interval."""
        while True:
            await asyncio.sleep(self._webhook_sweep_interval)
            try:
                await self.sweep_webhooks()
            except Exception:
                logger.exception("webhook sweep failed")

    async def sweep_webhooks(self) -> int:
        """Kick the sender for every tenant with a message due; how many were kicked."""
        assert self._pool is not None, "start() first"
        due: set[str] = set()
        async with self._pool.acquire() as conn:
            for tenant in await self._tenants.all_active():
                if await conn.fetchval(any_due_sql(tenant.schema_name)):
                    due.add(str(tenant.id))
        if due:
            await self._kick(due)
        return len(due)

    async def _sweep_all(self) -> None:
        for tenant in await self._tenants.all_active():
            self.mark_dirty(tenant.schema_name)

    async def _deliver_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            # Under load (the last drain ended less than a window ago) let commits gather for
            # the rest of the window: a drain costs four round trips and a publish whatever its
            # size, so one per commit cost more CPU than the command. A quiet relay drains at
            # once, so an occasional event is not delayed.
            wait = self._last_drained + self._gather - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
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
            self._last_drained = loop.time()

    def _retry_later(self, schema: str) -> None:
        failures = self._failures[schema] = self._failures.get(schema, 0) + 1
        delay = min(self._retry_delay * 2 ** (failures - 1), self._max_retry_delay)
        asyncio.get_running_loop().call_later(delay, self.mark_dirty, schema)

    async def drain(self, schema: str) -> bool:
        """Deliver everything pending in one tenant's outbox. False if something must wait."""
        assert self._pool is not None, "start() first"
        async with self._pool.acquire() as conn:
            while True:
                async with conn.transaction():
                    batch = await claim_pending(conn, schema, self._batch)
                    if not batch:
                        return True
                    published, publish_error = await self._publish(batch)
                    dispatched, dispatch_error = await self._dispatch_handlers(batch)
                    failed = {e.id for e in batch if e.id not in published and e.needs_publish}
                    failed |= {e.id for e in batch if e.id not in dispatched and e.needs_dispatch}
                    handled = [
                        e.id for e in batch if e.id in dispatched and not handlers_for(e.event_type)
                    ]
                    await settle(
                        conn, schema, batch, published=published, dispatched=dispatched,
                        failed=failed, error=publish_error or dispatch_error or "",
                        handled=handled,
                    )  # fmt: skip
                # Messages written with these events (or before) are due: start a round.
                due = {e.tenant_id for e in batch if e.webhooks_due}
                if due:
                    await self._kick(due)
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
                    # ON_PUBLISH effects (domain/effects.py) go first in the same pipeline: no
                    # subscriber sees the event before, e.g., the grants it changed are stale.
                    queue_on_publish(pipe, event.event_type, event.tenant_id, event.company_id)
                    pipe.publish(tenant_channel(event.tenant_id), event.envelope)
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
            (e.tenant_id, e.event_id, handler)
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
