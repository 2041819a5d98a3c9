"""Celery tasks: run one named handler for one event of one tenant."""

from __future__ import annotations

import logging
import uuid

from celery import Task
from sqlalchemy.exc import DBAPIError, OperationalError

from db.engine import TenantEngines
from db.outbox import claim_for_handler, envelope_by_event_id
from db.tenants import TenantDirectory
from workers.celery_app import app
from workers.handlers import RUNNABLE
from workers.runtime import WorkerRuntime

logger = logging.getLogger("bigledger.workers")
_runtime: WorkerRuntime | None = None


def get_runtime() -> WorkerRuntime:
    """The worker process's runtime (its event loop and engine), made on first use."""
    global _runtime
    if _runtime is None:
        _runtime = WorkerRuntime(app.conf.bigledger_database_url)
    return _runtime


@app.task(name="bigledger.handle_event", bind=True, max_retries=8)
def handle_event(self: Task, tenant_id: str, event_id: str, handler: str) -> str:
    """Returns what happened: 'done', 'duplicate' (already handled) or 'gone'."""
    try:
        return get_runtime().run(
            lambda engines, tenants: run_handler(engines, tenants, tenant_id, event_id, handler)
        )
    except (OperationalError, DBAPIError) as exc:  # database away: try again later
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, 60)) from exc


async def run_handler(
    engines: TenantEngines, tenants: TenantDirectory, tenant_id: str, event_id: str, handler: str
) -> str:
    tenant = await tenants.get(uuid.UUID(tenant_id))
    if tenant is None:
        logger.warning("event for unknown tenant", extra={"tenantId": tenant_id})
        return "gone"
    run = RUNNABLE[handler]
    async with engines.for_schema(tenant.schema_name).begin() as conn:
        envelope = await envelope_by_event_id(conn, uuid.UUID(event_id))
        if envelope is None:
            return "gone"
        if not await claim_for_handler(conn, uuid.UUID(event_id), handler):
            return "duplicate"
        await run(conn, envelope)
    logger.info(
        "event handled",
        extra={"tenantId": tenant_id, "eventId": event_id, "handler": handler},
    )
    return "done"
