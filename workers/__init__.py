"""Background work: the outbox relay, Celery tasks and idempotent event handlers."""
