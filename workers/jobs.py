"""Celery task of import jobs: `bigledger.run_import(tenant_id, job_id)`.

The task takes ids, runs db/imports/runner.py::JobRunner and is safe to run again: a run
resumes after the job's last committed batch (acks_late redelivers it when a worker dies; an
unexpected error retries it). A tenant runs at most TENANT_CONCURRENCY jobs at once: a Redis
semaphore per tenant (a sorted set of job ids scored by when their slot lapses, pushed back at
each progress message, so the slot of a killed worker frees itself); a job that finds no slot
is retried shortly."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from celery import Task
from redis.asyncio import Redis

from db.crypto import FieldCipher
from db.engine import TenantEngines
from db.imports.runner import JobRunner
from db.tenants import TenantDirectory
from workers.celery_app import app
from workers.runtime import WorkerRuntime

logger = logging.getLogger("bigledger.jobs")
TASK = "bigledger.run_import"
TENANT_CONCURRENCY = 2
SLOT_SECONDS = 5 * 60  # a slot lapses when its run stops progressing (a killed worker)
MAX_ATTEMPTS = 4  # runs of one job (crashes included) before it is failed
RETRY_SECONDS = 1.0

_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0
"""


def slots_key(tenant_id: str) -> str:
    return f"tenant:{tenant_id}:jobs:running"


class _JobRuntime:
    """Per worker process: the event loop and engines (WorkerRuntime), the key ring and Redis."""

    def __init__(self) -> None:
        self.base = WorkerRuntime(app.conf.bigledger_database_url)
        self._cipher: FieldCipher | None = None
        self._redis: Redis | None = None

    def parts(self) -> tuple[FieldCipher, Redis]:
        if self._cipher is None or self._redis is None:
            from server.bootstrap import resolve_endpoints
            from server.services import field_cipher
            from server.settings import Settings

            settings = Settings()
            url = settings.redis_url or resolve_endpoints(settings).endpoints.redis_url
            self._cipher = field_cipher(settings)
            self._redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        return self._cipher, self._redis


_runtime: _JobRuntime | None = None


def _get_runtime() -> _JobRuntime:
    global _runtime
    if _runtime is None:
        _runtime = _JobRuntime()
    return _runtime


@app.task(name=TASK, bind=True, max_retries=None, acks_late=True)
def run_import(self: Task, tenant_id: str, job_id: str) -> str:
    """Returns what happened: the job's state, 'busy' (retried later) or 'gone'."""
    runtime = _get_runtime()
    try:
        outcome = runtime.base.run(
            lambda engines, tenants: _run(runtime, engines, tenants, tenant_id, job_id)
        )
    except Exception as exc:
        logger.warning("import job run failed; it resumes", exc_info=True,
                       extra={"tenantId": tenant_id, "jobId": job_id})  # fmt: skip
        raise self.retry(exc=exc, countdown=RETRY_SECONDS) from exc
    if outcome == "busy":
        raise self.retry(countdown=RETRY_SECONDS)
    return outcome


async def _run(
    runtime: _JobRuntime,
    engines: TenantEngines,
    tenants: TenantDirectory,
    tenant_id: str,
    job_id: str,
) -> str:
    tenant = await tenants.get(uuid.UUID(tenant_id))
    if tenant is None:
        return "gone"
    cipher, redis = runtime.parts()
    key = slots_key(tenant_id)

    async def keep_slot() -> None:
        await redis.zadd(key, {job_id: time.time() + SLOT_SECONDS}, xx=True)

    runner = JobRunner(
        engines.for_schema(tenant.schema_name), tenant.id, cipher, redis,
        source="bigledger-worker", heartbeat=keep_slot,
    )  # fmt: skip
    now = time.time()
    acquired = await redis.eval(
        _ACQUIRE, 1, key, now, now + SLOT_SECONDS, job_id, TENANT_CONCURRENCY, SLOT_SECONDS
    )
    if not acquired:
        return "busy"
    try:
        job = await runner.peek(uuid.UUID(job_id))
        if job is not None and not job.is_final and job.attempts >= MAX_ATTEMPTS:
            job = await runner.give_up(
                job.id, f"The job's runs failed {job.attempts} times; it was stopped."
            )
        else:
            job = await runner.run(uuid.UUID(job_id))
            if job is None:
                return "busy"  # another run of this job holds it
    finally:
        await redis.zrem(key, job_id)
    return "gone" if job is None else str(job.state)


def enqueue_import(tenant_id: uuid.UUID, job_id: uuid.UUID) -> None:
    """On the configured broker and queue (server/services.py configures the app at start)."""
    app.send_task(
        TASK, args=[str(tenant_id), str(job_id)], queue=app.conf.task_default_queue, retry=False
    )


async def enqueue_import_async(tenant_id: uuid.UUID, job_id: uuid.UUID) -> None:
    await asyncio.to_thread(enqueue_import, tenant_id, job_id)
