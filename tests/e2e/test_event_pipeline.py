"""The event pipeline, end to end: outbox → relay → Redis pub/sub and Celery handlers.

Each command writes its DomainEvent to an outbox table in the same transaction as the state
change. A relay publishes committed events to Redis pub/sub (one channel per tenant) and hands
them to Celery handlers. If Redis or the broker is down, events wait and go out on recovery; a
handler that receives an event twice acts once.

Real servers throughout: PostgreSQL, Redis, the API on a socket, and a Celery worker process.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from db.embedded import EmbeddedRedis
from db.engine import create_engine
from db.tenancy import ensure_database, migrate_all, provision_tenant
from resolvers.events.hub import tenant_channel
from server.security.passwords import Argon2PasswordHasher
from server.services import Endpoints
from server.settings import Settings
from tests.conftest import (
    LOGIN,
    GraphQLClient,
    TenantHandle,
    _drop_database,
    eventually,
    redis_db,
    start_server,
    stop_server,
)
from tests.e2e.ws_client import TRANSPORT_WS, GraphQLWebSocket
from workers import celery_app

CREATE = """
mutation Create($input: CreateCompanyInput!) {
  createCompany(input: $input) { company { id name } errors { code message field } }
}"""

COMPANY_EVENTS = """
subscription { companyEvents { id eventType aggregateId payload tenantId } }
"""


async def create_companies(gql: GraphQLClient, token: str, *names: str) -> list[str]:
    ids = []
    for name in names:
        result = (await gql.data(CREATE, {"input": {"name": name}}, token))["createCompany"]
        assert result["errors"] == [], result
        ids.append(result["company"]["id"])
    return ids


async def outbox_rows(engine: AsyncEngine, schema: str) -> list[Any]:
    async with engine.connect() as conn:
        result = await conn.execute(
            text(
                "SELECT id, event_id, event_type, aggregate_id, published_at, dispatched_at, "
                f'attempts, last_error FROM "{schema}".outbox ORDER BY id'
            )
        )
        return list(result)


async def usage_counter(engine: AsyncEngine, schema: str, name: str = "companies") -> int | None:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text(f'SELECT value FROM "{schema}".usage_counters WHERE name = :n'), {"n": name}
            )
        ).scalar_one_or_none()


# -- Celery handlers, run by a real worker ------------------------------------------------------


@pytest.fixture(scope="module")
async def counted_tenant(
    make_tenant, gql: GraphQLClient, celery_worker: subprocess.Popen[bytes]
) -> TenantHandle:
    """A tenant that created three companies while a worker consumed the run's queue."""
    tenant = await make_tenant("usage")
    tenant.extra["company_ids"] = await create_companies(
        gql, tenant.token, "One Sdn Bhd", "Two Sdn Bhd", "Three Sdn Bhd"
    )
    return tenant


async def test_worker_counts_each_company_once(
    counted_tenant: TenantHandle, engine: AsyncEngine
) -> None:
    tenant = counted_tenant

    async def counted() -> bool:
        return await usage_counter(engine, tenant.schema) == 3

    assert await eventually(counted, timeout=20), await usage_counter(engine, tenant.schema)

    async def all_delivered() -> list[Any] | None:
        rows = await outbox_rows(engine, tenant.schema)
        done = all(r.published_at and r.dispatched_at for r in rows)
        return rows if done else None

    rows = await eventually(all_delivered, timeout=10)
    assert rows, await outbox_rows(engine, tenant.schema)
    assert [r.event_type for r in rows] == ["CompanyCreated"] * 3
    assert [str(r.aggregate_id) for r in rows] == tenant.extra["company_ids"]
    async with engine.connect() as conn:
        handled = (
            await conn.execute(
                text(f'SELECT event_id, handler FROM "{tenant.schema}".processed_events')
            )
        ).all()
    assert sorted((str(e), h) for e, h in handled) == sorted(
        (str(r.event_id), "usage.count_company") for r in rows
    )


def task_results(log_path: Path, event_id: str) -> dict[str, str]:
    """What each ``handle_event`` task the worker ran for ``event_id`` returned, by task id
    (from the worker's JSON log lines of celery.app.trace: ``... succeeded in 0.01s: 'done'``)."""
    results = {}
    for line in log_path.read_text(errors="replace").splitlines():
        if not line.startswith("{") or '"celery.app.trace"' not in line:
            continue
        task = json.loads(line).get("data", {}).get("data", {})
        if task.get("name") == "bigledger.handle_event" and event_id in task.get("args", ""):
            results[task["id"]] = task["return_value"].strip("'")
    return results


async def test_a_redelivered_event_is_handled_once(
    counted_tenant: TenantHandle,
    engine: AsyncEngine,
    endpoints: Endpoints,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    tenant = counted_tenant

    async def counted() -> bool:
        return await usage_counter(engine, tenant.schema) == 3

    assert await eventually(counted, timeout=20)
    event = (await outbox_rows(engine, tenant.schema))[0]
    assert event.dispatched_at is not None

    log_path: Path = celery_worker.log_path  # type: ignore[attr-defined]
    event_id = str(event.event_id)
    assert list(task_results(log_path, event_id).values()) == ["done"]

    # 1. The broker delivers the same task again (as after a worker crash with acks_late).
    app = celery_app.configure(
        broker_url=endpoints.broker_url,
        database_url=endpoints.database_url,
        queue=endpoints.celery_queue,
    )
    args = [str(tenant.id), event_id, "usage.count_company"]
    with app.connection_for_write(endpoints.broker_url) as connection:
        resent = app.send_task(
            "bigledger.handle_event", args=args, connection=connection,
            queue=endpoints.celery_queue,
        )  # fmt: skip

    # 2. The relay dispatches it again (as if it crashed between enqueueing and marking the row):
    # clear dispatched_at and wake the relay the way a committed outbox insert does.
    async with engine.begin() as conn:
        await conn.execute(
            text(f'UPDATE "{tenant.schema}".outbox SET dispatched_at = NULL WHERE id = :id'),
            {"id": event.id},
        )
        await conn.execute(
            text("SELECT pg_notify('bigledger_outbox', :schema)"), {"schema": tenant.schema}
        )

    async def redispatched() -> bool:
        row = next(r for r in await outbox_rows(engine, tenant.schema) if r.id == event.id)
        return row.dispatched_at is not None

    assert await eventually(redispatched, timeout=10), "the relay did not dispatch the row again"

    # The worker ran both deliveries (ours and the relay's); each found the claim: no effect.
    async def all_ran() -> dict[str, str] | None:
        results = task_results(log_path, event_id)
        return results if len(results) >= 3 else None

    results = await eventually(all_ran, timeout=20)
    assert results, task_results(log_path, event_id)
    assert results[resent.id] == "duplicate"
    assert sorted(results.values()) == ["done", "duplicate", "duplicate"]
    assert await usage_counter(engine, tenant.schema) == 3


# -- Redis stopped and restarted mid-stream -----------------------------------------------------


class Outage:
    """A second API instance with a Redis of its own (pub/sub and broker), which the test stops.

    It also gets a database of its own: every relay LISTENs to its whole database and drains any
    tenant's outbox, so on the shared database the session's API (whose Redis stays up) would
    publish this tenant's events too, and nothing would ever wait.
    """

    def __init__(self, redis: EmbeddedRedis, redis_url: str, engine: AsyncEngine,
                 database_url: str, queue: str, live: Any) -> None:  # fmt: skip
        self.redis, self.redis_url, self.engine = redis, redis_url, engine
        self.database_url, self.queue, self.live = database_url, queue, live


@pytest.fixture
async def outage(
    tmp_path: Path, settings: Settings, endpoints: Endpoints, engine: AsyncEngine
) -> AsyncIterator[Outage]:
    redis = EmbeddedRedis(tmp_path, durable=False)
    redis_url = await asyncio.to_thread(redis.start)
    url = make_url(endpoints.database_url)
    database_url = url.set(database=f"{url.database}_outage").render_as_string(False)
    await ensure_database(database_url)
    own_engine = create_engine(database_url, pool_size=2)
    try:
        await migrate_all(own_engine)
        own = Endpoints(
            database_url, redis_url, redis_db(redis_url, 1),
            celery_queue=f"bigledger-outage-{uuid.uuid4().hex[:8]}",
        )  # fmt: skip
        live, server, task = await start_server(settings, own)
        try:
            yield Outage(redis, redis_url, own_engine, database_url, own.celery_queue, live)
        finally:
            if not redis.is_running():
                await asyncio.to_thread(redis.start)
            await stop_server(server, task)
    finally:
        await own_engine.dispose()
        await asyncio.to_thread(redis.stop)
        await _drop_database(database_url)


async def test_redis_outage_mid_stream_loses_no_event(outage: Outage) -> None:
    engine = outage.engine
    slug = f"outage_{uuid.uuid4().hex[:10]}"
    password = f"pw-{uuid.uuid4().hex}"
    tenant = await provision_tenant(
        engine, slug=slug, name="Outage Bhd", admin_email=f"admin@{slug}.example",
        admin_password_hash=Argon2PasswordHasher().hash(password),
    )  # fmt: skip
    channel = tenant_channel(str(tenant.tenant_id))
    async with httpx.AsyncClient(base_url=outage.live.url, timeout=30) as http:
        gql = GraphQLClient(http)
        login = await gql.data(
            LOGIN, {"tenant": slug, "email": f"admin@{slug}.example", "password": password}
        )
        token = login["login"]["accessToken"]
        async with GraphQLWebSocket(outage.live.ws_url, TRANSPORT_WS, token) as ws:
            sub = await ws.subscribe(COMPANY_EVENTS)
            watcher = Redis.from_url(outage.redis_url)
            try:

                async def listening() -> bool:
                    return dict(await watcher.pubsub_numsub(channel)).get(channel.encode(), 0) > 0

                assert await eventually(listening, timeout=5)
            finally:
                await watcher.aclose()

            # Before the outage: events stream live.
            before = await create_companies(gql, token, "Before 1", "Before 2")
            received = [(await sub.next(timeout=10))["data"]["companyEvents"] for _ in before]
            assert [e["aggregateId"] for e in received] == before

            # Redis goes away. Commands do not depend on it: they still succeed, and their
            # events wait in the outbox (the relay tries, fails, and leaves them pending).
            await asyncio.to_thread(outage.redis.stop)
            assert not outage.redis.is_running()
            during = await create_companies(gql, token, "During 1", "During 2", "During 3")

            async def waiting() -> list[Any] | None:
                rows = [r for r in await outbox_rows(engine, tenant.schema)
                        if str(r.aggregate_id) in during]  # fmt: skip
                tried = len(rows) == 3 and all(r.attempts >= 1 for r in rows)
                return rows if tried else None

            rows = await eventually(waiting, timeout=10)
            assert rows, await outbox_rows(engine, tenant.schema)
            assert all(r.published_at is None for r in rows), rows
            assert all(r.last_error for r in rows), rows
            await sub.assert_silent(0.2)

            # Redis comes back on the same port: the subscriber receives every missed event,
            # exactly once, and the relay publishes the waiting rows.
            assert await asyncio.to_thread(outage.redis.start) == outage.redis_url
            caught_up = [(await sub.next(timeout=20))["data"]["companyEvents"] for _ in during]
            assert [e["eventType"] for e in caught_up] == ["CompanyCreated"] * 3
            assert [e["aggregateId"] for e in caught_up] == during
            assert {e["tenantId"] for e in caught_up} == {str(tenant.tenant_id)}

            async def delivered() -> bool:
                rows = await outbox_rows(engine, tenant.schema)
                return all(r.published_at and r.dispatched_at for r in rows)

            assert await eventually(delivered, timeout=20), await outbox_rows(engine, tenant.schema)
            await sub.assert_silent(1.0)  # the relay's late publish is not delivered twice

    # The broker (this Redis, db 1; it kept nothing across the restart) now holds the handler
    # tasks of the waiting events, on this instance's queue (no worker consumes it here).
    broker = Redis.from_url(redis_db(outage.redis_url, 1))
    try:
        messages = [json.loads(m) for m in await broker.lrange(outage.queue, 0, -1)]
    finally:
        await broker.aclose()
    queued = {m["headers"]["argsrepr"] for m in messages}
    assert len(messages) == 3 and {m["headers"]["task"] for m in messages} == {
        "bigledger.handle_event"
    }
    rows = {str(r.aggregate_id): r for r in await outbox_rows(engine, tenant.schema)}
    assert all(any(str(rows[c].event_id) in q for q in queued) for c in during), queued
