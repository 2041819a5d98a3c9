"""The Celery application. Tasks receive ids, never objects, and are idempotent."""

from __future__ import annotations

from celery import Celery

from workers import broker_transport

app = Celery(
    "bigledger",
    include=["workers.tasks", "workers.webhook_tasks", "workers.jobs", "workers.connectors"],
)
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_default_queue="bigledger",
    task_acks_late=True,  # a task lost with its worker is redelivered (handlers are idempotent)
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    broker_connection_timeout=3,
    worker_hijack_root_logger=False,
    task_ignore_result=True,
)


def webhook_queue(queue: str) -> str:
    """The webhook sender's queue beside the event handlers' (workers/webhooks.py)."""
    return f"{queue}.webhooks"


def configure(*, broker_url: str, database_url: str, queue: str = "bigledger") -> Celery:
    """Point the app at its broker and queue, and tell tasks where the database is."""
    app.conf.broker_url = broker_url
    # A Redis broker goes through our subclass of kombu's transport (workers/broker_transport.py:
    # without it, a worker under load can exit on a Redis restart).
    redis_broker = broker_url.startswith("redis://")
    app.conf.broker_transport = broker_transport.TRANSPORT if redis_broker else None
    app.conf.task_default_queue = queue
    app.conf.bigledger_database_url = database_url
    return app
