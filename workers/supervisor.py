"""Keeps the embedded Celery worker (`serve --with-worker`) running: restarts it when it exits.

A worker can exit on its own (an unrecoverable error in Celery or kombu, an out-of-memory
kill); events then wait in the broker, and nothing handles them until someone notices. The
supervisor, a thread of the serving process, starts it again after a back-off that doubles
from `min_backoff` to `max_backoff` while it keeps dying, and falls back to `min_backoff` once
a run lasted `stable_after` seconds.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence

logger = logging.getLogger("bigledger.workers.supervisor")


class WorkerSupervisor:
    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        min_backoff: float = 1.0,
        max_backoff: float = 30.0,
        stable_after: float = 60.0,
    ) -> None:
        self._argv = list(argv)
        self._env = dict(env)
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self._stable_after = stable_after
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # guards _process against stop() racing a restart
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def start(self) -> None:
        self._spawn()
        self._thread = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)
        self._thread.start()

    def _spawn(self) -> bool:
        with self._lock:
            if self._stopping.is_set():
                return False
            self._process = subprocess.Popen(self._argv, env=self._env)  # noqa: S603 - our argv
            return True

    def _watch(self) -> None:
        backoff = self._min_backoff
        while True:
            process = self._process
            assert process is not None
            started = time.monotonic()
            code = process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - started >= self._stable_after:
                backoff = self._min_backoff
            logger.error(
                "worker exited; restarting",
                extra={"exitCode": code, "restartIn": backoff, "restarts": self.restarts},
            )
            if self._stopping.wait(backoff) or not self._spawn():
                return
            self.restarts += 1
            backoff = min(backoff * 2, self._max_backoff)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (Celery's warm shutdown), then SIGKILL after `timeout` seconds."""
        with self._lock:
            self._stopping.set()
            process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
