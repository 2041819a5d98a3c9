"""At least once to *handled*: an event whose worker dies mid-handler is handled, once in effect.

A real worker process is killed (SIGKILL) while its handler's transaction is open (the handler
waits on a row lock the test holds), after the relay dispatched the event and marked the row
dispatched. The broker keeps the task in its `unacked` hash (acks_late), which it hands out
again only after the visibility timeout (an hour) — or never, if Redis restarts without it —
so only the relay's check of `processed_events` brings the event to a new worker.

The API and worker here have a database, a queue and a broker of their own, so that the
session's relay and worker never take this tenant's events.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from db.tenancy import ensure_database, migrate_all, provision_tenant
from server.security.passwords import Argon2PasswordHasher
from server.services import Endpoints
from server.settings import Settings
from tests.conftest import (
    LOGIN,
    GraphQLClient,
    _drop_database,
    eventually,
    redis_db,
    start_server,
    stop_server,
)
from tests.conftest import start_worker as start_celery_worker
from tests.e2e.test_event_pipeline import create_companies, task_results, usage_counter


def start_worker(
    endpoints: Endpoints, settings: Settings, log_path: Path
) -> subprocess.Popen[bytes]:
    return start_celery_worker(
        endpoints, settings, log_path, hostname=f"handling-{uuid.uuid4().hex[:6]}@%h"
    )


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class Stack:
    endpoints: Endpoints
    engine: AsyncEngine
    url: str
    settings: Settings


@pytest.fixture
async def stack(
    settings: Settings, endpoints: Endpoints, engine: AsyncEngine
) -> AsyncIterator[Stack]:
    """An API (its relay re-dispatches after 1 s) on a database and queue of its own."""
    url = make_url(endpoints.database_url)
    database_url = url.set(database=f"{url.database}_handling").render_as_string(False)
    await ensure_database(database_url)
    own_engine = create_engine(database_url, pool_size=2)
    try:
        await migrate_all(own_engine)
        own = Endpoints(
            database_url, endpoints.redis_url, redis_db(endpoints.redis_url, 2),
            celery_queue=f"bigledger-handling-{uuid.uuid4().hex[:8]}",
        )  # fmt: skip
        fast = settings.model_copy(update={"event_redispatch_after": 1.0})
        live, server, task = await start_server(fast, own)
        try:
            yield Stack(own, own_engine, live.url, settings)
        finally:
            await stop_server(server, task)
    finally:
        await own_engine.dispose()
        await _drop_database(database_url)


@pytest.fixture
def worker_log(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "worker.log"


async def waiting_on_lock(engine: AsyncEngine, database: str) -> bool:
    async with engine.connect() as conn:
        waiting = await conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :db"
                " AND wait_event_type = 'Lock' AND query ILIKE '%usage_counters%'"
            ),
            {"db": database},
        )
        return bool(waiting.scalar_one())


async def test_an_event_whose_worker_is_killed_mid_handler_is_handled_once(
    stack: Stack, worker_log: Path
) -> None:
    engine, endpoints = stack.engine, stack.endpoints
    slug = f"killed_{uuid.uuid4().hex[:10]}"
    password = f"pw-{uuid.uuid4().hex}"
    tenant = await provision_tenant(
        engine, slug=slug, name="Killed Bhd", admin_email=f"admin@{slug}.example",
        admin_password_hash=Argon2PasswordHasher().hash(password),
    )  # fmt: skip
    schema = tenant.schema
    worker = await asyncio.to_thread(start_worker, endpoints, stack.settings, worker_log)
    broker = Redis.from_url(endpoints.broker_url)
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
            gql = GraphQLClient(http)
            login = await gql.data(
                LOGIN, {"tenant": slug, "email": f"admin@{slug}.example", "password": password}
            )
            token = login["login"]["accessToken"]
            await create_companies(gql, token, "First Sdn Bhd")

            async def first_counted() -> bool:
                return await usage_counter(engine, schema) == 1

            assert await eventually(first_counted, timeout=20)

            # Hold the counter row: the next handler claims its event, then waits inside its
            # transaction, uncommitted.
            async with engine.connect() as holder:
                blocker = await holder.begin()
                await holder.execute(
                    text(f'SELECT value FROM "{schema}".usage_counters FOR UPDATE')
                )
                await create_companies(gql, token, "Second Sdn Bhd")
                database = make_url(endpoints.database_url).database or ""
                assert await eventually(
                    lambda: waiting_on_lock(stack.engine, database), timeout=20
                ), "the handler never started"
                worker.kill()  # SIGKILL: no warm shutdown, nothing restored to the queue
                await asyncio.to_thread(worker.wait, 10)
                await blocker.rollback()

        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT event_id, dispatched_at, handled_at FROM"
                        f" \"{schema}\".outbox WHERE event_type = 'CompanyCreated' ORDER BY id"
                    )
                )
            ).all()[1]
            claims = (
                await conn.execute(
                    text(f'SELECT count(*) FROM "{schema}".processed_events WHERE event_id = :e'),
                    {"e": row.event_id},
                )
            ).scalar_one()
        # The state the audit found: dispatched, not handled, and not in the queue — the task
        # sits in the broker's unacked hash until the visibility timeout.
        assert row.dispatched_at is not None and row.handled_at is None and claims == 0
        assert await broker.llen(endpoints.celery_queue) == 0
        unacked = [json.loads(v) for v in (await broker.hgetall("unacked")).values()]
        assert any(str(row.event_id) in m[0]["headers"]["argsrepr"] for m in unacked), unacked
        assert await usage_counter(engine, schema) == 1

        # A new worker: the relay's check finds the event unhandled and sends it again.
        worker = await asyncio.to_thread(start_worker, endpoints, stack.settings, worker_log)

        async def second_counted() -> bool:
            return await usage_counter(engine, schema) == 2

        assert await eventually(second_counted, timeout=30), await usage_counter(engine, schema)

        # The visibility timeout ends: the broker hands out the killed task as well. It finds
        # the claim and changes nothing.
        for payload in (await broker.hgetall("unacked")).values():
            message, _exchange, routing_key = json.loads(payload)
            await broker.lpush(routing_key or endpoints.celery_queue, json.dumps(message))
        await broker.delete("unacked", "unacked_index")

        async def all_ran() -> dict[str, str] | None:
            results = task_results(worker_log, str(row.event_id))
            return results if len(results) >= 2 else None

        results = await eventually(all_ran, timeout=20)
        assert results and "done" in results.values(), task_results(worker_log, str(row.event_id))
        assert list(results.values()).count("done") == 1
        assert set(results.values()) == {"done", "duplicate"}

        async def settled() -> list[Any] | None:
            async with engine.connect() as conn:
                rows = (
                    await conn.execute(
                        text(
                            f'SELECT handled_at, redispatches FROM "{schema}".outbox'
                            " WHERE event_id = :e"
                        ),
                        {"e": row.event_id},
                    )
                ).all()
            return rows if rows[0].handled_at is not None else None

        handled = await eventually(settled, timeout=10)
        assert handled and handled[0].redispatches >= 1
        async with engine.connect() as conn:
            claims = (
                await conn.execute(
                    text(f'SELECT count(*) FROM "{schema}".processed_events WHERE event_id = :e'),
                    {"e": row.event_id},
                )
            ).scalar_one()
        assert claims == 1
        assert await usage_counter(engine, schema) == 2
    finally:
        await broker.aclose()
        await asyncio.to_thread(stop_worker, worker)


def events_check(endpoints: Endpoints, settings: Settings, *args: str) -> tuple[int, str]:
    env = os.environ | {
        "DATABASE_URL": endpoints.database_url,
        "REDIS_URL": endpoints.redis_url,
        "CELERY_BROKER_URL": endpoints.broker_url,
        "BIGLEDGER_DATA_DIR": str(settings.data_dir),
        "LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "events", "check", *args],
        env=env, capture_output=True, timeout=120,
    )  # fmt: skip
    return done.returncode, done.stdout.decode()


async def test_events_check_reports_an_event_a_handler_never_recorded(
    make_tenant: Any, engine: AsyncEngine, endpoints: Endpoints, settings: Settings
) -> None:
    tenant = await make_tenant("check")
    lost = uuid.uuid4()
    async with engine.begin() as conn:  # dispatched, as the relay marks it, but never handled
        await conn.execute(
            text(
                f'INSERT INTO "{tenant.schema}".outbox (event_id, event_type, aggregate_type,'
                " aggregate_id, envelope, created_at, published_at, dispatched_at)"
                " VALUES (:e, 'CompanyCreated', 'Company', :a, '{}'::jsonb,"
                " now() - interval '1 hour', now(), now())"
            ),
            {"e": lost, "a": uuid.uuid4()},
        )
    code, out = await asyncio.to_thread(
        events_check, endpoints, settings, "--tenant", tenant.slug, "--format", "json"
    )
    assert code == 1, out
    assert [(r["eventId"], r["missingHandlers"]) for r in json.loads(out)] == [
        (str(lost), ["usage.count_company"])
    ]
    async with engine.begin() as conn:
        await conn.execute(
            text(
                f'INSERT INTO "{tenant.schema}".processed_events (event_id, handler)'
                " VALUES (:e, 'usage.count_company')"
            ),
            {"e": lost},
        )
    code, out = await asyncio.to_thread(events_check, endpoints, settings, "--tenant", tenant.slug)
    assert code == 0, out
