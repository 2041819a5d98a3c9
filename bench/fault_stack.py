"""The API, a Celery worker and Redis as separate real processes, each of which can be killed
with SIGKILL and started again (the durability scenario's fault injector).

* the API is `bigledger serve --port P` (no `--with-worker`), always on the same port, so
  clients reconnect to the address they know;
* the worker is `bigledger worker` (its default prefork pool), alone in its process group, so
  a kill takes its pool children with it, as a machine or container loss would;
* Redis is an `EmbeddedRedis` (AOF on): killed by pid and started again on the same port and
  data dir. With an external `REDIS_URL` there is nothing we may kill: `redis` is None.

PostgreSQL is never killed here. The stack also acts as the supervisor a deployment has: a
process that exits without being killed by us is recorded (with the tail of its log) and
started again, so one crash is reported without hiding what the rest of the run shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.harness import BIGLEDGER, Server, base_env, free_port, probe_graphql, spawn
from db.embedded import EmbeddedRedis

READY_TIMEOUT_S = 90.0
_WORKER_READY = re.compile(rb"\bready\b")


@dataclass
class StackSettings:
    database_url: str
    redis_url: str
    broker_url: str
    data_dir: Path  # BIGLEDGER_DATA_DIR of the API and worker: JWT key, encryption keys
    log_dir: Path
    queue: str  # the Celery queue of this run
    redis: EmbeddedRedis | None = None  # None: an external Redis, not ours to kill
    extra_env: dict[str, str] = field(default_factory=dict)  # settings of the API and worker


@dataclass
class UnexpectedExit:
    process: str
    code: int | None
    at_s: float  # seconds on the stack's clock (`started_at`: the load's start, in a run)
    log_tail: str


@dataclass
class Outage:
    """One kill -9 and the restart after it."""

    process: str
    killed_at_s: float
    down_s: float  # from the kill until the new process answered (API, Redis) or was ready
    restart_s: float  # from starting the new process until it was ready


@dataclass
class FaultStack:
    settings: StackSettings
    api_port: int = field(default_factory=free_port)
    api: Server | None = None
    worker: Server | None = None
    outages: list[Outage] = field(default_factory=list)
    unexpected: list[UnexpectedExit] = field(default_factory=list)
    started_at: float = field(default_factory=time.monotonic)
    _incarnations: dict[str, int] = field(default_factory=dict)
    _faulting: set[str] = field(default_factory=set)  # killed by us, not yet back

    # -- environment ----------------------------------------------------------------------------

    def env(self, log_level: str) -> dict[str, str]:
        s = self.settings
        return base_env(
            DATABASE_URL=s.database_url,
            REDIS_URL=s.redis_url,
            CELERY_BROKER_URL=s.broker_url,
            BIGLEDGER_CELERY_QUEUE=s.queue,
            BIGLEDGER_DATA_DIR=str(s.data_dir),
            BIGLEDGER_DEMO_PASSWORD="durability-demo-password",
            # Clients keep their token across API restarts (the signing key is in the data
            # dir); a run must not outlive it.
            BIGLEDGER_ACCESS_TOKEN_TTL="86400",
            LOG_LEVEL=log_level,
            **s.extra_env,
        )

    def _log_path(self, name: str) -> Path:
        n = self._incarnations[name] = self._incarnations.get(name, 0) + 1
        return self.settings.log_dir / f"{name}-{n}.log"

    def elapsed(self) -> float:
        return time.monotonic() - self.started_at

    # -- starting ------------------------------------------------------------------------------

    async def start_api(self) -> float:
        """`bigledger serve` on the stack's port; seconds until it answered a query."""
        argv = [BIGLEDGER, "serve", "--port", str(self.api_port)]
        self.api = spawn("api", argv, self.env("WARNING"), self._log_path("api"), self.api_port)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while probe_graphql(self.api_port, timeout=1.0) != 200:
            if self.api.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the API did not start:\n{self.api.log_tail()}")
            await asyncio.sleep(0.05)
        return time.perf_counter() - self.api.started_at

    async def start_worker(self) -> float:
        """`bigledger worker`; seconds until it logged that it is ready to consume."""
        n = self._incarnations.get("worker", 0) + 1
        argv = [BIGLEDGER, "worker", "--hostname", f"durability-{n}@%h"]
        log_path = self._log_path("worker")
        # INFO: the worker announces "ready" at that level.
        self.worker = spawn("worker", argv, self.env("INFO"), log_path, 0)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not _WORKER_READY.search(log_path.read_bytes()):
            if self.worker.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{self.worker.log_tail()}")
            await asyncio.sleep(0.05)
        return time.perf_counter() - self.worker.started_at

    async def start(self) -> None:
        await asyncio.gather(self.start_api(), self.start_worker())

    # -- faults --------------------------------------------------------------------------------

    @property
    def can_kill_redis(self) -> bool:
        return self.settings.redis is not None

    async def kill_and_restart(self, process: str, down_s: float) -> Outage:
        """SIGKILL `process` (api, worker or redis), leave it down `down_s`, start it again."""
        killed = time.monotonic()
        killed_at = self.elapsed()
        self._faulting.add(process)
        try:
            restart = await self._kill_and_start(process, down_s)
        finally:
            self._faulting.discard(process)
        outage = Outage(process, killed_at, time.monotonic() - killed, restart)
        self.outages.append(outage)
        return outage

    async def _kill_and_start(self, process: str, down_s: float) -> float:
        if process == "redis":
            await self._kill_redis()
        else:
            server = self.api if process == "api" else self.worker
            assert server is not None
            await asyncio.to_thread(server.stop, signal.SIGKILL)
        await asyncio.sleep(down_s)
        if process == "api":
            return await self.start_api()
        if process == "worker":
            return await self.start_worker()
        return await self._start_redis()

    async def _kill_redis(self) -> None:
        redis = self.settings.redis
        assert redis is not None
        pid = redis.pid
        if pid is None:
            raise RuntimeError("redis is not running")
        os.kill(pid, signal.SIGKILL)
        while True:
            try:
                if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.NoSuchProcess:
                break
            await asyncio.sleep(0.02)

    async def _start_redis(self) -> float:
        redis = self.settings.redis
        assert redis is not None
        started = time.monotonic()
        url = await asyncio.to_thread(redis.start)
        if url != self.settings.redis_url:
            raise RuntimeError(f"redis came back at {url}, not {self.settings.redis_url}")
        return time.monotonic() - started

    # -- supervision ---------------------------------------------------------------------------

    async def restart_exited(self) -> list[UnexpectedExit]:
        """Record and restart the API or worker if it exited on its own (not killed by us)."""
        found = []
        for name in ("api", "worker"):
            server = self.api if name == "api" else self.worker
            if name in self._faulting or server is None or server.proc.poll() is None:
                continue
            exit_ = UnexpectedExit(
                name, server.proc.returncode, self.elapsed(), server.log_tail(15)
            )
            self.unexpected.append(exit_)
            found.append(exit_)
            self._faulting.add(name)
            try:
                await asyncio.to_thread(server.stop, signal.SIGKILL)  # the rest of its group
                await (self.start_api() if name == "api" else self.start_worker())
            finally:
                self._faulting.discard(name)
        return found

    async def stop(self) -> None:
        for server in (self.worker, self.api):
            if server is not None:
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(server.stop)
