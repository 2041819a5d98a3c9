"""Shared benchmark harness.

Starts an embedded PostgreSQL and Redis in a temporary data dir (via `db.embedded`), creates and
migrates the database, provisions tenants through the app's own code (`provision_tenant`; their
companies through the API's `createCompany`), starts the API (`bigledger serve`) and the bare
baseline as subprocesses on free ports, each in its own process group, and stops everything at
the end, also on failure.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.metadata
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIGLEDGER = str(Path(sys.executable).parent / "bigledger")
HOST = "127.0.0.1"
SERVICE_VARS = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")

LOGIN = (
    "mutation Login($tenant: String!, $email: String!, $password: String!) {"
    " login(tenant: $tenant, email: $email, password: $password)"
    " { accessToken errors { code message } } }"
)


def log(message: str) -> None:
    """Progress goes to stderr."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------------------------------------
# statistics
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage-collector pass in the load generator while it times requests: a full pass over
    its heap (40-70 ms seen) would be counted as the server's latency."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "min": math.nan, "p50": math.nan, "p99": math.nan, "max": math.nan}
    return {
        "n": len(values),
        "min": min(values),
        "p50": percentile(values, 50),
        "p99": percentile(values, 99),
        "max": max(values),
        "mean": sum(values) / len(values),
    }


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


# ---------------------------------------------------------------------------------------------
# the machine
# ---------------------------------------------------------------------------------------------

_LIBS = ("uvicorn", "uvloop", "httptools", "starlette", "strawberry-graphql", "graphql-core",
         "SQLAlchemy", "asyncpg", "redis", "websockets", "orjson")  # fmt: skip


def machine_info() -> dict[str, str]:
    from db.embedded import _pg_bin, _redis_server_binary

    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = psutil.virtual_memory().total / 2**30

    def version(argv: list[str]) -> str:
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
            return out.stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "unknown"

    libs = []
    for name in _LIBS:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            libs.append(f"{name} {importlib.metadata.version(name)}")
    return {
        "code measured": code_revision(),
        "CPU": f"{model}, {os.cpu_count()} logical cores",
        "RAM": f"{memory:.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "PostgreSQL": version([str(_pg_bin() / "postgres"), "--version"]),
        "Redis": version([str(_redis_server_binary()), "--version"]).split(" sha=")[0],
        "libraries": ", ".join(libs),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def code_revision() -> str:
    """The commit benchmarked, and whether files outside bench/ differ from it."""
    label = os.environ.get("BENCH_CODE_REV")
    if label:
        return label
    try:
        git = {"cwd": ROOT, "text": True, "capture_output": True, "check": True, "timeout": 10}
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], **git).stdout.strip()  # type: ignore[call-overload]
        status = subprocess.run(["git", "status", "--porcelain"], **git).stdout  # type: ignore[call-overload]
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    dirty = [line for line in status.splitlines() if line[3:] and not line[3:].startswith("bench/")]
    return f"commit {rev}" + (" + uncommitted changes outside bench/" if dirty else "")


def machine_markdown(info: dict[str, str]) -> str:
    rows = "\n".join(f"| {k} | {v} |" for k, v in info.items())
    return f"| machine | |\n|---|---|\n{rows}"


# ---------------------------------------------------------------------------------------------
# processes
# ---------------------------------------------------------------------------------------------


def base_env(**extra: str) -> dict[str, str]:
    """This environment without service URLs (so nothing points at a server we did not start)."""
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    env["PYTHONUNBUFFERED"] = "1"
    # Subprocesses import the same tree as this process (also when run from a copy of the repo).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env.update(extra)
    return env


def probe_graphql(port: int, timeout: float = 2.0) -> int | None:
    """POST `{ __typename }` once; the HTTP status, or None if nothing answered."""
    body = b'{"query":"{ __typename }"}'
    request = (
        f"POST /graphql HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    data = b""
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.sendall(request)
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
    except OSError:
        return None
    if data.startswith(b"HTTP/1.1 ") and data[9:12].isdigit():
        return int(data[9:12])
    return None


@dataclass
class Server:
    """A subprocess we started, alone in its own process group."""

    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path
    started_at: float  # time.perf_counter() just before Popen

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> float:
        """Signal the whole group and wait; SIGKILL what is left. Returns seconds taken."""
        started = time.perf_counter()
        if self.proc.poll() is None or self._group_alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log(f"{self.name} ignored signal {sig} for {timeout:.0f}s; killing its group")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        elapsed = time.perf_counter() - started
        # Group members that outlive the leader (e.g. a worker's children): give them a moment.
        deadline = time.monotonic() + 10
        while self._group_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._group_alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        return elapsed


def spawn(name: str, argv: list[str], env: dict[str, str], log_path: Path, port: int) -> Server:
    log_file = log_path.open("wb")
    started = time.perf_counter()
    try:
        proc = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log_file,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    finally:
        log_file.close()
    return Server(name, proc, port, log_path, started)


async def wait_ready(server: Server, limit_s: float = 90.0) -> float:
    """Poll `{ __typename }` until 200; seconds since the process was started."""
    import asyncio

    deadline = time.monotonic() + limit_s
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited ({server.proc.returncode}):\n{server.log_tail()}"
            )
        if probe_graphql(server.port, timeout=1.0) == 200:
            return time.perf_counter() - server.started_at
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{server.name} not ready after {limit_s:.0f}s:\n{server.log_tail()}"
            )
        await asyncio.sleep(0.05)


def cpu_seconds(procs: Iterable[psutil.Process]) -> float:
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


class CpuMeter:
    """CPU seconds used by a set of processes (and, for postgres, all its backends)."""

    def __init__(self, pid: int, *, children: bool = False) -> None:
        self.root = psutil.Process(pid)
        self.children = children
        self._start: dict[int, float] = {}

    def _procs(self) -> list[psutil.Process]:
        procs = [self.root]
        if self.children:
            with contextlib.suppress(psutil.Error):
                procs += self.root.children(recursive=True)
        return procs

    def _snapshot(self) -> dict[int, float]:
        return {p.pid: cpu_seconds([p]) for p in self._procs()}

    def start(self) -> None:
        self._start = self._snapshot()

    def stop(self) -> float:
        end = self._snapshot()
        return sum(v - self._start.get(pid, 0.0) for pid, v in end.items())


# ---------------------------------------------------------------------------------------------
# the harness
# ---------------------------------------------------------------------------------------------


# Plan overrides of every bench tenant (enterprise plan): far above any benchmark's load.
BENCH_LIMITS = {
    "maxCompanies": 1_000_000,
    "apiRateLimit": 100_000_000,
    "apiBurst": 10_000_000,
    "maxWebhookEndpoints": 1_000,
}


@dataclass
class Tenant:
    id: uuid.UUID
    slug: str
    schema: str
    admin_id: uuid.UUID
    email: str
    password: str
    token: str = ""


class Harness:
    """Embedded PostgreSQL + Redis in a temp dir, a migrated database, and our subprocesses.

    Use as `async with Harness() as h:`; leaving the block stops every process it started and
    removes the temp dir, whatever happened inside.
    """

    def __init__(self, *, durable: bool = True, keep: bool = False) -> None:
        self.durable = durable
        self.keep = keep
        self.dir = Path(tempfile.mkdtemp(prefix="bigledger-bench-"))
        self.data_dir = self.dir / "data"
        self.servers: list[Server] = []
        self.postgres: Any = None
        self.redis: Any = None
        self.engine: Any = None
        self.database_url = self.redis_url = self.broker_url = ""

    async def __aenter__(self) -> Harness:
        try:
            await self._start()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _start(self) -> None:
        from sqlalchemy.engine import make_url

        from db.embedded import EmbeddedPostgres, EmbeddedRedis
        from db.engine import create_engine
        from db.tenancy import ensure_database, migrate_all

        started = time.perf_counter()
        self.postgres = EmbeddedPostgres(self.data_dir, durable=self.durable)
        base = self.postgres.start()
        self.redis = EmbeddedRedis(self.data_dir, durable=self.durable)
        self.redis_url = self.redis.start()
        self.broker_url = self.redis_url.rsplit("/", 1)[0] + "/1"
        self.database_url = (
            make_url(base).set(database="bigledger").render_as_string(hide_password=False)
        )
        await ensure_database(self.database_url)
        self.engine = create_engine(self.database_url, pool_size=2)
        await migrate_all(self.engine)
        log(f"harness: embedded postgres + redis in {self.data_dir}, migrated "
            f"({time.perf_counter() - started:.1f}s)")  # fmt: skip

    async def close(self) -> None:
        for server in reversed(self.servers):
            try:
                server.stop()
            except Exception as exc:  # keep stopping the others
                log(f"stopping {server.name} failed: {exc!r}")
        self.servers.clear()
        if self.engine is not None:
            with contextlib.suppress(Exception):
                await self.engine.dispose()
            self.engine = None
        for embedded in (self.redis, self.postgres):
            if embedded is not None:
                try:
                    embedded.stop()
                except Exception as exc:
                    log(f"stopping {type(embedded).__name__} failed: {exc!r}")
        self.redis = self.postgres = None
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- tenants ---------------------------------------------------------------------------

    @property
    def key_file(self) -> Path:
        """The API's encryption key ring (`db.crypto`): the data dir's file, as `serve` uses."""
        return self.data_dir / "encryption-keys.json"

    def cipher(self) -> Any:
        """The API's FieldCipher (the same key ring file; created here if it does not exist)."""
        from db.crypto import FieldCipher

        return FieldCipher.load(None, self.key_file)

    async def tenant(self, slug: str) -> Tenant:
        """Provision a tenant (schema at head, admin user) with the app's `provision_tenant`,
        on the `enterprise` plan with limits raised far above what a benchmark sends
        (BENCH_LIMITS), so no request is refused with 429 / LIMIT_EXCEEDED. The limits are
        still checked on every request (the rate limiter still takes a token from Redis)."""
        from redis.asyncio import Redis

        from db.tenancy import provision_tenant
        from db.tenant_plans import set_plan
        from server.security.passwords import Argon2PasswordHasher

        password = f"bench-{uuid.uuid4().hex}"
        email = f"admin@{slug}.bench.example"
        made = await provision_tenant(
            self.engine, slug=slug, name=f"Bench {slug}", admin_email=email,
            admin_password_hash=Argon2PasswordHasher().hash(password), plan="enterprise",
            timezone="Asia/Kuala_Lumpur", currency_code="MYR", cipher=self.cipher(),
        )  # fmt: skip
        redis = Redis.from_url(self.redis_url)
        try:
            await set_plan(self.engine, redis, slug=made.slug, plan="enterprise",
                           limits=BENCH_LIMITS)  # fmt: skip
        finally:
            await redis.aclose()
        return Tenant(made.tenant_id, made.slug, made.schema, made.admin_user_id, email, password)

    # -- servers -------------------------------------------------------------------------------

    def api_env(self, log_level: str = "WARNING", **extra: str) -> dict[str, str]:
        return base_env(
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            CELERY_BROKER_URL=self.broker_url,
            BIGLEDGER_DATA_DIR=str(self.data_dir),
            BIGLEDGER_DEMO_PASSWORD="bench-demo-password",
            # A benchmark may run longer than the default 15 min access-token life; an expired
            # token would silently turn the load into anonymous (UNAUTHENTICATED, rate-limited
            # per IP) requests. Verification costs the same whatever the expiry.
            BIGLEDGER_ACCESS_TOKEN_TTL="86400",
            LOG_LEVEL=log_level,
            **extra,
        )

    async def start_api(
        self,
        name: str,
        *,
        log_level: str = "WARNING",
        with_worker: bool = False,
        launcher: Sequence[str] | None = None,
        env: dict[str, str] | None = None,
        workers: int = 1,
    ) -> Server:
        """`bigledger serve` on a free port against this harness's servers; waits until ready."""
        port = free_port()
        argv = [*(launcher or [BIGLEDGER]), "serve", "--port", str(port)]
        if with_worker:
            argv.append("--with-worker")
        if workers > 1:
            argv += ["--workers", str(workers)]
        server = spawn(name, argv, self.api_env(log_level, **(env or {})),
                       self.dir / f"{name}.log", port)  # fmt: skip
        self.servers.append(server)
        took = await wait_ready(server)
        log(f"{name} ready on port {port} in {took:.1f}s (pid {server.pid})")
        return server

    async def start_bare(self, name: str, schema: str) -> Server:
        port = free_port()
        argv = [PYTHON, "-m", "bench.bare_app", "--port", str(port),
                "--database-url", self.database_url, "--schema", schema,
                "--key-file", str(self.key_file)]  # fmt: skip
        server = spawn(name, argv, base_env(), self.dir / f"{name}.log", port)
        self.servers.append(server)
        took = await wait_ready(server)
        log(f"{name} ready on port {port} in {took:.1f}s (pid {server.pid})")
        return server

    def stop(self, server: Server) -> None:
        server.stop()
        if server in self.servers:
            self.servers.remove(server)

    @property
    def postgres_pid(self) -> int:
        pid = self.postgres.pid if self.postgres is not None else None
        if pid is None:
            raise RuntimeError("embedded postgres is not running")
        return int(pid)

    @property
    def redis_pid(self) -> int:
        pid = self.redis.pid if self.redis is not None else None
        if pid is None:
            raise RuntimeError("embedded redis is not running")
        return int(pid)


async def login(port: int, tenant: Tenant) -> str:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", timeout=30) as http:
        response = await http.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"tenant": tenant.slug, "email": tenant.email,
                                                "password": tenant.password}},
        )  # fmt: skip
    response.raise_for_status()
    payload = response.json()["data"]["login"]
    if payload["errors"]:
        raise RuntimeError(f"login failed: {payload['errors']}")
    tenant.token = payload["accessToken"]
    return tenant.token


CREATE_COMPANY = (
    "mutation Create($input: CreateCompanyInput!) {"
    " createCompany(input: $input) { company { id } errors { code message } } }"
)


async def seed_companies(port: int, tenant: Tenant, count: int) -> None:
    """Register `count` companies through the API's createCompany (signed in as the admin)."""
    import httpx

    token = tenant.token or await login(port, tenant)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", timeout=30) as http:
        for i in range(count):
            company = {"name": f"Bench Company {i:03} Sdn Bhd",
                       "registrationNumber": f"2024010{i:05}",
                       "taxNumber": None if i % 3 == 0 else f"C{i:010}",
                       "currencyCode": "MYR", "timezone": "Asia/Kuala_Lumpur"}  # fmt: skip
            response = await http.post("/graphql", headers=headers, json={
                "query": CREATE_COMPANY, "variables": {"input": company}})  # fmt: skip
            response.raise_for_status()
            body = response.json()
            if body.get("errors") or body["data"]["createCompany"]["errors"]:
                raise RuntimeError(f"createCompany failed: {body}")


RESULTS = Path(__file__).with_name("RESULTS.md")


def write_section(name: str, body: str, results: Path = RESULTS) -> None:
    """Write `body` as the `<!-- bench:NAME -->` block of RESULTS.md, in place of the block of
    that name or after the others; every other block stays as it is."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = results.read_text() if results.exists() else "# BigLedger benchmark results\n"
    block = f"{start}\n{body.rstrip()}\n{end}\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", flags=re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    results.write_text(text)
    log(f"wrote section {name} of {results}")


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
