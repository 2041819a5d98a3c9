"""Durability under kill -9: the short version of `bench/durability.py` (issue 12, "done when").

8 clients post journal entries, invoices and payments (idempotency keys, retrying as real
clients do) while the API, the Celery worker and Redis — each a real process of its own — are
killed with SIGKILL and restarted, one after another; a websocket subscriber follows the
tenant's events throughout. Afterwards nothing acknowledged may be missing or doubled, the
read models must equal the ledger, every event must have been handled by each of its handlers
and received by the subscriber.

PostgreSQL is the suite's (a database of its own: every relay drains every tenant outbox of
its database, so the session's API would otherwise publish this test's events to its own
Redis); Redis is an embedded one of this test's (AOF on, as `make run` has it), since it is
killed.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.durability import Scenario, figures, run_scenario, scratch_database
from bench.fault_stack import StackSettings
from bench.harness import log
from db.embedded import EmbeddedRedis
from server.services import Endpoints
from tests.conftest import redis_db

# Short, but every process is killed once (each kill waits for the previous process to be back).
# A handler task lost with the killed worker is sent again after 3 s (default 120 s).
RUN_SETTINGS = {"BIGLEDGER_EVENT_REDISPATCH_AFTER": "3"}
SCENARIO = Scenario(
    duration_s=16, clients=8, first_kill_s=2, kill_every_s=2, down_s=1, settle_s=30,
    progress_every_s=4,
)  # fmt: skip


async def test_kill_9_of_api_worker_and_redis_loses_doubles_and_misses_nothing(
    endpoints: Endpoints, tmp_path: Path
) -> None:
    redis = EmbeddedRedis(tmp_path / "servers", durable=True)
    redis_url = await asyncio.to_thread(redis.start)
    database = f"{make_url(endpoints.database_url).database}_durability"
    try:
        async with scratch_database(endpoints.database_url, database) as database_url:
            settings = StackSettings(
                database_url, redis_url, redis_db(redis_url, 1), tmp_path / "data", tmp_path,
                f"bigledger-durability-{uuid.uuid4().hex[:8]}", redis, dict(RUN_SETTINGS),
            )  # fmt: skip
            report = await run_scenario(settings, SCENARIO)
    finally:
        await asyncio.to_thread(redis.stop)
    summary = "\n".join(f"{name}: {value}" for name, value in figures(report))
    log(f"durability figures:\n{summary}")  # shown with the test's output (-rP, or on failure)

    assert [o.process for o in report.outages][:3] == ["api", "worker", "redis"], summary
    assert {a.kind for a in report.record.acknowledged} == {"journal", "invoice", "payment"}
    assert sum(report.record.retries.values()) > 0, summary  # the clients did see the faults

    assert report.verdict.lost == [], summary
    assert report.verdict.doubled == [], summary
    assert report.record.refused == [] and report.record.failed == [], summary
    assert report.verdict.read_model_mismatches == 0, summary
    assert report.unexpected_exits == [], summary
    assert report.verdict.events.unhandled == 0, summary
    assert report.verdict.events.missed_by_subscriber == 0, summary
    assert report.problems() == [], summary
