"""The sender's Celery task (workers/webhooks.py): one round of one tenant, on its own queue."""

from __future__ import annotations

from typing import Any

from celery import Task
from redis.asyncio import Redis
from sqlalchemy.exc import DBAPIError, OperationalError

from adapters.webhooks.http_sender import HttpWebhookSender
from db.engine import TenantEngines
from db.tenants import TenantDirectory
from workers.celery_app import app, webhook_queue
from workers.tasks import get_runtime
from workers.webhooks import PER_ENDPOINT, SenderParts, run_round

_parts: SenderParts | None = None


def enqueue_round(tenant_id: str, delay: float = 0.0) -> None:
    """Send a round of `tenant_id` to the webhook queue (now, or after `delay` seconds)."""
    deliver.apply_async(
        args=[tenant_id],
        countdown=delay or None,
        queue=webhook_queue(app.conf.task_default_queue),
        retry=False,
    )


def _sender_parts(engines: TenantEngines, tenants: TenantDirectory) -> SenderParts:
    global _parts
    if _parts is None:
        conf: Any = app.conf
        _parts = SenderParts(
            engines=engines,
            tenants=tenants,
            redis=Redis.from_url(conf.bigledger_redis_url),
            http=HttpWebhookSender(
                timeout=conf.bigledger_webhook_timeout,
                allow_private=conf.bigledger_webhooks_allow_private,
                per_endpoint=PER_ENDPOINT,
            ),
            cipher=conf.bigledger_cipher(),
            enqueue=enqueue_round,
            timeout=conf.bigledger_webhook_timeout,
        )
    return _parts


@app.task(name="bigledger.webhooks.deliver", bind=True, max_retries=8)
def deliver(self: Task, tenant_id: str) -> str:
    """Returns what the round did: 'sent N', 'busy' (a round of the tenant runs) or 'gone'."""
    try:
        return get_runtime().run(
            lambda engines, tenants: run_round(_sender_parts(engines, tenants), tenant_id)
        )
    except (TimeoutError, OperationalError, DBAPIError, OSError) as exc:
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, 60)) from exc
