"""Is a worker consuming the queue? Each worker process beats into Redis; the API reads the beats.

A worker (`bigledger worker`) writes `bigledger:worker:<queue>:<hostname>` every
`BEAT_INTERVAL` seconds with a time to live of `BEAT_TTL`, from the moment Celery says it is
ready until it shuts down. A worker that exits or is killed stops beating, and its key expires:
`/readyz` (and a metric, later) read `WorkerLiveness.live_workers()`. Keys carry the queue, so
deployments (or test runs) sharing a Redis do not see each other's workers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import orjson
import redis
from celery.signals import worker_ready, worker_shutdown
from redis.asyncio import Redis

logger = logging.getLogger("bigledger.workers.liveness")

BEAT_INTERVAL = 2.0
BEAT_TTL = 6  # seconds: three missed beats and the worker counts as gone


def beat_key(queue: str, hostname: str) -> str:
    return f"bigledger:worker:{queue}:{hostname}"


@dataclass(frozen=True)
class WorkerBeat:
    hostname: str
    pid: int
    beat_at: float  # unix time of the last beat


class WorkerLiveness:
    """The API's view: which workers of its queue beat within the last `BEAT_TTL` seconds."""

    def __init__(self, redis: Redis, queue: str) -> None:
        self._redis = redis
        self._pattern = beat_key(queue, "*")

    async def live_workers(self) -> list[WorkerBeat]:
        keys = [key async for key in self._redis.scan_iter(match=self._pattern, count=100)]
        if not keys:
            return []
        beats = []
        for raw in await self._redis.mget(keys):
            if raw is not None:  # expired between the scan and the read
                beat = orjson.loads(raw)
                beats.append(WorkerBeat(beat["hostname"], beat["pid"], beat["at"]))
        return beats


class _Beater:
    """The worker's side: a daemon thread in the worker's main process."""

    def __init__(self, redis_url: str, queue: str) -> None:
        self._client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        self._queue = queue
        self._stop = threading.Event()
        self._hostname = ""

    def start(self, hostname: str) -> None:
        self._hostname = hostname
        threading.Thread(target=self._run, name="bigledger-worker-beat", daemon=True).start()

    def _run(self) -> None:
        key = beat_key(self._queue, self._hostname)
        while not self._stop.is_set():
            beat = {"hostname": self._hostname, "pid": os.getpid(), "at": time.time()}
            try:
                self._client.set(key, orjson.dumps(beat), ex=BEAT_TTL)
            except redis.RedisError as exc:  # Redis away: the key expires, /readyz says so
                logger.debug("worker beat failed", extra={"error": str(exc)})
            self._stop.wait(BEAT_INTERVAL)

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(redis.RedisError):
            self._client.delete(beat_key(self._queue, self._hostname))


def beat_while_running(*, redis_url: str, queue: str) -> None:
    """Call in a worker process before it starts consuming."""
    beater = _Beater(redis_url, queue)

    def on_ready(sender: Any = None, **_: Any) -> None:
        hostname = getattr(sender, "hostname", None) or f"worker@{socket.gethostname()}"
        beater.start(hostname)

    def on_shutdown(**_: Any) -> None:
        beater.stop()

    # weak=False: the closures live as long as the process, not as long as this call.
    worker_ready.connect(on_ready, weak=False)
    worker_shutdown.connect(on_shutdown, weak=False)
