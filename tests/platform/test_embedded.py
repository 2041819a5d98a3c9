"""Real embedded PostgreSQL and Redis: start, persist across restarts, reuse, stop, fail loudly."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
import redis

from db.embedded import EmbeddedPostgres, EmbeddedRedis

Server = EmbeddedPostgres | EmbeddedRedis
StopLater = Callable[[Server], Server]
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stop_later() -> Iterator[StopLater]:
    """Register servers to be stopped at teardown, even when the test fails half-way."""
    servers: list[Server] = []

    def register(server: Server) -> Server:
        servers.append(server)
        return server

    yield register
    errors = []
    for server in reversed(servers):
        try:
            server.stop()
        except Exception as exc:  # keep stopping the others
            errors.append(exc)
    assert not errors, errors


def _pg(data_dir: Path, stop_later: StopLater, durable: bool = True) -> EmbeddedPostgres:
    server = EmbeddedPostgres(data_dir, durable=durable)
    stop_later(server)
    return server


def _redis(data_dir: Path, stop_later: StopLater, durable: bool = True) -> EmbeddedRedis:
    server = EmbeddedRedis(data_dir, durable=durable)
    stop_later(server)
    return server


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])


async def test_data_survives_restart_on_a_stable_url(tmp_path: Path, stop_later) -> None:
    pg, rd = _pg(tmp_path, stop_later), _redis(tmp_path, stop_later)
    pg_url, redis_url = pg.start(), rd.start()
    assert pg_url.startswith("postgresql://postgres@127.0.0.1:") and pg_url.endswith("/postgres")
    assert redis_url.startswith("redis://127.0.0.1:") and redis_url.endswith("/0")
    assert _port(pg_url) not in (5432, 6379) and _port(redis_url) not in (5432, 6379)
    assert pg.url == pg_url and rd.url == redis_url

    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute("CREATE TABLE ledger (id int PRIMARY KEY, memo text)")
        await conn.execute("INSERT INTO ledger VALUES (1, 'opening balance €')")
    finally:
        await conn.close()
    client = redis.Redis.from_url(redis_url)
    try:
        client.set("bigledger:probe", "kept")
    finally:
        client.close()

    pg.stop()
    rd.stop()
    assert not pg.is_running() and not rd.is_running()
    assert pg.pid is None and rd.pid is None

    # Fresh objects, as a new process would build them.
    pg2, rd2 = _pg(tmp_path, stop_later), _redis(tmp_path, stop_later)
    assert pg2.start() == pg_url
    assert rd2.start() == redis_url
    conn = await asyncpg.connect(pg2.url)
    try:
        assert await conn.fetchval("SELECT memo FROM ledger WHERE id = 1") == "opening balance €"
    finally:
        await conn.close()
    client = redis.Redis.from_url(rd2.url)
    try:
        assert client.get("bigledger:probe") == b"kept"
    finally:
        client.close()
    assert (tmp_path / "postgres.port").read_text().strip() == str(_port(pg_url))
    assert (tmp_path / "redis.port").read_text().strip() == str(_port(redis_url))

    pg2.stop()
    rd2.stop()
    assert not pg2.is_running() and not rd2.is_running()


def test_start_is_idempotent(tmp_path: Path, stop_later) -> None:
    pg, rd = _pg(tmp_path, stop_later, durable=False), _redis(tmp_path, stop_later, durable=False)
    pg_url, redis_url = pg.start(), rd.start()
    pg_pid, redis_pid = pg.pid, rd.pid
    assert pg_pid is not None and redis_pid is not None

    assert pg.start() == pg_url and rd.start() == redis_url
    assert (pg.pid, rd.pid) == (pg_pid, redis_pid)

    # Another handle on the same data dir reuses the running servers instead of starting new ones.
    other_pg, other_rd = EmbeddedPostgres(tmp_path), EmbeddedRedis(tmp_path)
    assert other_pg.url == pg_url and other_rd.url == redis_url  # known without start()
    assert other_pg.start() == pg_url and other_rd.start() == redis_url
    assert (other_pg.pid, other_rd.pid) == (pg_pid, redis_pid)


def test_stop_when_not_running_is_harmless(tmp_path: Path, stop_later) -> None:
    never_created = tmp_path / "nothing-here"
    EmbeddedPostgres(never_created).stop()
    EmbeddedRedis(never_created).stop()
    assert not never_created.exists()

    pg, rd = _pg(tmp_path, stop_later, durable=False), _redis(tmp_path, stop_later, durable=False)
    assert not pg.is_running() and not rd.is_running()
    pg.stop()
    rd.stop()
    with pytest.raises(RuntimeError, match="not started"):
        _ = pg.url
    with pytest.raises(RuntimeError, match="not started"):
        _ = rd.url

    pg.start()
    rd.start()
    pg.stop()
    rd.stop()
    pg.stop()
    rd.stop()
    assert not pg.is_running() and not rd.is_running()


def test_a_taken_port_moves_the_server_and_is_remembered(tmp_path: Path, stop_later) -> None:
    pg, rd = _pg(tmp_path, stop_later, durable=False), _redis(tmp_path, stop_later, durable=False)
    old_urls = {"pg": pg.start(), "redis": rd.start()}
    pg.stop()
    rd.stop()

    squatters = []
    try:
        for url in old_urls.values():
            squatter = socket.socket()
            squatter.bind(("127.0.0.1", _port(url)))
            squatter.listen()
            squatters.append(squatter)
        new_pg_url, new_redis_url = pg.start(), rd.start()
    finally:
        for squatter in squatters:
            squatter.close()

    assert new_pg_url != old_urls["pg"] and new_redis_url != old_urls["redis"]
    assert (tmp_path / "postgres.port").read_text().strip() == str(_port(new_pg_url))
    assert (tmp_path / "redis.port").read_text().strip() == str(_port(new_redis_url))
    # Restarting again keeps the new port.
    pg.stop()
    rd.stop()
    assert (pg.start(), rd.start()) == (new_pg_url, new_redis_url)


_START_IN_CHILD = """
import json, sys
from pathlib import Path
from db.embedded import EmbeddedPostgres, EmbeddedRedis
data_dir = Path(sys.argv[1])
pg, rd = EmbeddedPostgres(data_dir, durable=False), EmbeddedRedis(data_dir, durable=False)
urls = [pg.start(), rd.start()]
print(json.dumps({"urls": urls, "pids": [pg.pid, rd.pid]}))
"""


def test_concurrent_starts_from_two_processes_share_one_server(tmp_path: Path, stop_later) -> None:
    # Registered first so teardown stops whatever the children started.
    _pg(tmp_path, stop_later, durable=False)
    _redis(tmp_path, stop_later, durable=False)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _START_IN_CHILD, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO_ROOT,
        )
        for _ in range(2)
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        results.append(json.loads(out))
    assert results[0] == results[1]
    # The servers outlived the processes that started them.
    assert EmbeddedPostgres(tmp_path).pid == results[0]["pids"][0]
    assert EmbeddedRedis(tmp_path).pid == results[0]["pids"][1]


def test_failed_start_raises_with_the_server_log(tmp_path: Path, stop_later) -> None:
    pg, rd = _pg(tmp_path, stop_later, durable=False), _redis(tmp_path, stop_later, durable=True)
    pg.start()
    rd.start()
    pg.stop()
    rd.stop()

    with (tmp_path / "postgres" / "postgresql.conf").open("a") as conf:
        conf.write("\nno_such_setting_for_bigledger = 1\n")
    with pytest.raises(RuntimeError, match="no_such_setting_for_bigledger"):
        pg.start()
    assert not pg.is_running()

    (tmp_path / "redis" / "appendonly.aof").write_text("this is not an AOF file\n")
    with pytest.raises(RuntimeError, match=r"(?i)append only file"):
        rd.start()
    assert not rd.is_running()
