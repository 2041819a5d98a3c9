"""The test harness: real PostgreSQL and Redis, the real app on a real socket.

With DATABASE_URL / REDIS_URL / CELERY_BROKER_URL set, the suite runs against those servers (in
a database of its own, dropped at the end); otherwise it starts embedded ones in a temp dir.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from redis.asyncio import Redis
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from db.embedded import EmbeddedPostgres, EmbeddedRedis
from db.engine import create_engine, plain_url
from db.tenancy import ensure_database, migrate_all, provision_tenant
from server.app import create_app
from server.security.passwords import Argon2PasswordHasher
from server.services import Endpoints
from server.settings import Settings

LOGIN = """
mutation Login($tenant: String!, $email: String!, $password: String!) {
  login(tenant: $tenant, email: $email, password: $password) {
    accessToken refreshToken expiresIn errors { code message field }
  }
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_db(url: str, db: int) -> str:
    parsed = make_url(url.replace("redis://", "postgresql://", 1))
    return f"redis://{parsed.host}:{parsed.port or 6379}/{db}"


@pytest.fixture(scope="session")
def run_id() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def endpoints(tmp_path_factory: pytest.TempPathFactory, run_id: str) -> Iterator[Endpoints]:
    data = tmp_path_factory.mktemp("servers")
    started: list[EmbeddedPostgres | EmbeddedRedis] = []
    database = f"bigledger_test_{run_id}"
    external_db = os.environ.get("DATABASE_URL")
    if external_db:
        database_url = make_url(external_db).set(database=database).render_as_string(False)
    else:
        postgres = EmbeddedPostgres(data, durable=False)
        started.append(postgres)
        database_url = make_url(postgres.start()).set(database=database).render_as_string(False)
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        redis = EmbeddedRedis(data, durable=False)
        started.append(redis)
        redis_url = redis.start()
    broker_url = os.environ.get("CELERY_BROKER_URL") or redis_db(redis_url, 1)
    try:
        yield Endpoints(
            database_url, redis_url, broker_url, celery_queue=f"bigledger-test-{run_id}"
        )
    finally:
        if external_db:
            asyncio.run(_drop_database(database_url))
        for server in reversed(started):
            server.stop()


async def _drop_database(database_url: str) -> None:
    url = make_url(database_url)
    conn = await asyncpg.connect(plain_url(url.set(database="postgres").render_as_string(False)))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def redis(endpoints: Endpoints) -> AsyncIterator[Redis]:
    """A plain client on the app's Redis, to look at its keys and channels from outside."""
    client = Redis.from_url(endpoints.redis_url)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings.model_validate(
        {
            "BIGLEDGER_ENV": "test",
            "BIGLEDGER_DATA_DIR": str(tmp_path_factory.mktemp("data")),
            "LOG_LEVEL": "WARNING",
        }
    )


@pytest.fixture(scope="session")
async def engine(endpoints: Endpoints) -> AsyncIterator[AsyncEngine]:
    """The database, migrated to head; an engine for tests to look behind the API with."""
    await ensure_database(endpoints.database_url)
    engine = create_engine(endpoints.database_url, pool_size=5)
    await migrate_all(engine)
    yield engine
    await engine.dispose()


@dataclass
class LiveServer:
    url: str
    app: Any

    @property
    def services(self) -> Any:
        return self.app.state.services

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/graphql"


async def start_server(
    settings: Settings, endpoints: Endpoints
) -> tuple[LiveServer, Any, asyncio.Task[None]]:
    app = create_app(settings, endpoints)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 30
    while not server.started:
        if task.done():
            task.result()
        if time.monotonic() > deadline:
            raise TimeoutError("API did not start")
        await asyncio.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", app), server, task


async def stop_server(server: Any, task: asyncio.Task[None]) -> None:
    server.should_exit = True
    await asyncio.wait_for(task, timeout=30)


@pytest.fixture(scope="session")
async def live_server(
    settings: Settings, endpoints: Endpoints, engine: AsyncEngine
) -> AsyncIterator[LiveServer]:
    live, server, task = await start_server(settings, endpoints)
    yield live
    await stop_server(server, task)


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """POST a document; the HTTP layer must answer 200 with a GraphQL result."""
        response = await self.post(query, variables, token)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """POST a document that must succeed without GraphQL errors."""
        body = await self(query, variables, token)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture(scope="session")
async def gql(live_server: LiveServer) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as http:
        yield GraphQLClient(http)


@dataclass
class TenantHandle:
    id: uuid.UUID
    slug: str
    schema: str
    admin_id: uuid.UUID
    email: str
    password: str
    token: str = ""
    refresh_token: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


_HASHER = Argon2PasswordHasher()


@pytest.fixture(scope="session")
def make_tenant(engine: AsyncEngine, gql: GraphQLClient):  # type: ignore[no-untyped-def]
    """Provision a fresh tenant (unique slug) and sign its admin in."""

    async def make(prefix: str = "t", **options: Any) -> TenantHandle:
        slug = f"{prefix}_{uuid.uuid4().hex[:10]}"
        email = f"admin@{slug}.example"
        password = f"pw-{uuid.uuid4().hex}"
        tenant = await provision_tenant(
            engine,
            slug=slug,
            name=f"Tenant {slug}",
            admin_email=email,
            admin_password_hash=_HASHER.hash(password),
            **options,
        )
        handle = TenantHandle(
            tenant.tenant_id, slug, tenant.schema, tenant.admin_user_id, email, password
        )
        login = (await gql.data(LOGIN, {"tenant": slug, "email": email, "password": password}))[
            "login"
        ]
        assert login["errors"] == []
        handle.token, handle.refresh_token = login["accessToken"], login["refreshToken"]
        return handle

    return make


@pytest.fixture
async def tenant(make_tenant) -> TenantHandle:  # type: ignore[no-untyped-def]
    return await make_tenant()


@pytest.fixture
async def other_tenant(make_tenant) -> TenantHandle:  # type: ignore[no-untyped-def]
    return await make_tenant("other")


class StatementLog:
    """Every SQL statement the app sends, to pin how many a request costs."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def touching(self, schema: str) -> list[str]:
        """Statements against one tenant's schema, leaving out the relay's outbox work."""
        return [s for s in self.statements if schema in s and "outbox" not in s]


@pytest.fixture
def sql_log(live_server: LiveServer) -> Iterator[StatementLog]:
    log = StatementLog()
    target = live_server.services.engines.root.sync_engine
    event.listen(target, "before_cursor_execute", log)
    yield log
    event.remove(target, "before_cursor_execute", log)


def start_worker(
    endpoints: Endpoints,
    settings: Settings,
    log_path: Path,
    *,
    hostname: str,
    options: Sequence[str] = ("--pool", "solo"),
) -> subprocess.Popen[bytes]:
    """A real Celery worker process on this run's queues, started once its log says ready
    (appending to `log_path`, so a worker started again writes after its predecessor).
    `options`: more of `bigledger worker`'s options (pool, concurrency, queues)."""
    env = os.environ | {
        "DATABASE_URL": endpoints.database_url,
        "REDIS_URL": endpoints.redis_url,
        "CELERY_BROKER_URL": endpoints.broker_url,
        "BIGLEDGER_CELERY_QUEUE": endpoints.celery_queue,
        "BIGLEDGER_DATA_DIR": str(settings.data_dir),
        "LOG_LEVEL": "INFO",
    }
    start = log_path.stat().st_size if log_path.exists() else 0
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "worker", *options, "--hostname", hostname],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while b"ready" not in log_path.read_bytes()[start:]:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"celery worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.1)  # polls the condition above
    return proc


@pytest.fixture(scope="session")
def celery_worker(
    endpoints: Endpoints, settings: Settings, run_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process consuming this run's queue."""
    log_path: Path = tmp_path_factory.mktemp("worker") / "worker.log"
    proc = start_worker(endpoints, settings, log_path, hostname=f"test-{run_id}@%h")
    proc.log_path = log_path  # type: ignore[attr-defined]
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


async def eventually(check, timeout: float = 10.0, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll an async check until it returns something truthy (for asynchronous effects)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(interval)
