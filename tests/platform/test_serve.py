"""`bigledger serve --workers N`: N API processes share the port, and one signal stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psutil

from server.services import Endpoints
from tests.conftest import LOGIN, free_port


def test_two_api_processes_answer_the_same_sign_in_and_stop_together(
    endpoints: Endpoints, tmp_path: Path
) -> None:
    port = free_port()
    password = f"demo-{uuid.uuid4().hex}"
    env = os.environ | {
        "DATABASE_URL": endpoints.database_url,
        "REDIS_URL": endpoints.redis_url,
        "CELERY_BROKER_URL": endpoints.broker_url,
        "BIGLEDGER_CELERY_QUEUE": endpoints.celery_queue,
        "BIGLEDGER_DATA_DIR": str(tmp_path / "data"),
        "BIGLEDGER_DEMO_PASSWORD": password,
        "LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "serve --workers 2 never became healthy"
            time.sleep(0.2)
        assert len(psutil.Process(proc.pid).children(recursive=True)) >= 2
        # A token from whichever process signed in works on whichever answers next: the
        # processes share the signing key, the database and Redis.
        with httpx.Client(base_url=url, timeout=10) as http:
            variables = {"tenant": "demo", "email": "admin@demo.bigledger.local"}
            login = http.post(
                "/graphql", json={"query": LOGIN, "variables": variables | {"password": password}}
            ).json()["data"]["login"]
            assert login["errors"] == [], login
            for _ in range(6):  # new connections: the kernel spreads them over the processes
                with httpx.Client(base_url=url, timeout=10) as fresh:
                    me = fresh.post(
                        "/graphql",
                        json={"query": "{ me { user { email } } }"},
                        headers={"Authorization": f"Bearer {login['accessToken']}"},
                    ).json()
                assert me["data"]["me"]["user"]["email"] == "admin@demo.bigledger.local", me
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        log.close()
    assert code == 0, (tmp_path / "serve.log").read_text()[-3000:]
