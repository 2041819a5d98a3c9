"""`serve --with-worker` keeps its worker: Redis restarts under load, a killed worker comes back,
and /readyz says "not ready" while no worker beats."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from db.embedded import EmbeddedRedis
from server.services import Endpoints
from tests.conftest import free_port, redis_db
from workers import celery_app
from workers.liveness import BEAT_TTL


def readiness(url: str) -> tuple[int, dict[str, Any]]:
    try:
        response = httpx.get(f"{url}/readyz", timeout=3)
    except httpx.HTTPError as exc:
        return 0, {"error": str(exc)}
    return response.status_code, response.json()


def wait_for(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def worker_pid(serve: subprocess.Popen[bytes]) -> int | None:
    for child in psutil.Process(serve.pid).children():
        with contextlib.suppress(psutil.Error):
            if "worker" in child.cmdline():
                return int(child.pid)
    return None


class Load:
    """Handler tasks sent to the broker without pause (for a tenant that does not exist: each
    costs the worker a database read), through Redis restarts."""

    def __init__(self, broker_url: str, queue: str, database_url: str) -> None:
        self.app = celery_app.configure(
            broker_url=broker_url, database_url=database_url, queue=queue
        )
        self.queue, self.sent, self._stop = queue, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self.app.connection_for_write(
                    transport_options={"max_retries": 0}
                ) as connection:
                    producer = self.app.amqp.Producer(connection)
                    while not self._stop.is_set():
                        args = [str(uuid.uuid4()), str(uuid.uuid4()), "usage.count_company"]
                        self.app.send_task(
                            "bigledger.handle_event", args=args, producer=producer,
                            queue=self.queue, retry=False,
                        )  # fmt: skip
                        self.sent += 1
                        time.sleep(0.002)
            except Exception:  # Redis restarting: try again shortly
                time.sleep(0.2)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    redis = EmbeddedRedis(tmp_path / "redis", durable=False)
    redis.start()
    yield redis
    redis.stop()


def test_the_embedded_worker_survives_redis_restarts_and_is_restarted_when_killed(
    endpoints: Endpoints, own_redis: EmbeddedRedis, tmp_path: Path
) -> None:
    redis_url = own_redis.start()  # already running: returns its URL
    queue = f"bigledger-supervised-{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": endpoints.database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_db(redis_url, 1),
        "BIGLEDGER_CELERY_QUEUE": queue,
        "BIGLEDGER_DATA_DIR": str(tmp_path / "data"),
        "BIGLEDGER_DEMO_PASSWORD": f"demo-{uuid.uuid4().hex}",
        "LOG_LEVEL": "WARNING",
        # Longer than a heartbeat's time to live: a killed worker is seen gone before its
        # successor beats (a quick restart would otherwise leave no moment to observe).
        "BIGLEDGER_WORKER_RESTART_BACKOFF": str(BEAT_TTL + 4),
    }
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    serve = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--with-worker"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def ready() -> dict[str, Any] | None:
        assert serve.poll() is None, log_path.read_text()[-3000:]
        status, body = readiness(url)
        return body if status == 200 and body.get("worker") == "ok" else None

    try:
        wait_for(ready, 90, "never ready with a live worker")
        with Load(redis_db(redis_url, 1), queue, endpoints.database_url) as load:
            for _ in range(2):  # Redis restarts under load
                sent = load.sent
                wait_for(lambda: load.sent > sent + 50, 20, "no load reached the broker")  # noqa: B023
                own_redis.stop()
                time.sleep(1.0)
                assert own_redis.start() == redis_url
                wait_for(ready, 60, f"no live worker after a Redis restart: {readiness(url)}")
                assert worker_pid(serve) is not None

            # The worker dies (kill -9): /readyz says so, the supervisor starts a new one.
            killed = wait_for(lambda: worker_pid(serve), 10, "no worker process")
            os.kill(killed, signal.SIGKILL)

            def not_ready() -> dict[str, Any] | None:
                status, body = readiness(url)
                return body if status == 503 else None

            body = wait_for(not_ready, 15, "/readyz still ready with the worker killed")
            assert body["worker"].startswith("unavailable"), body
            assert body["postgres"] == "ok" and body["redis"] == "ok", body
            wait_for(ready, 60, "the killed worker was not replaced")
            assert worker_pid(serve) not in (None, killed)
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            code = serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            serve.kill()
            raise
        finally:
            log.close()
    assert code == 0, log_path.read_text()[-3000:]
    assert "Unrecoverable error" not in log_path.read_text(), log_path.read_text()[-5000:]
