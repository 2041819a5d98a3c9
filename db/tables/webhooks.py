"""Webhook endpoints, their messages and each message's attempts, inside each tenant's schema
(migration 0016_tenant_webhooks).

A message is one event for one endpoint (its `id` is the `webhook-id` header, stable across
retries); an attempt is one POST of it. Messages are written in the event's own transaction
(`db/webhooks/fan_out.py`), sent by `workers/webhooks.py`.
"""

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from db.tables import TENANT_SCHEMA_PLACEHOLDER, metadata

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True)),  # None: every company's events
    Column("url", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("event_types", ARRAY(Text), nullable=False),
    Column("enabled", Boolean, nullable=False, server_default="true"),
    # Sealed with the key ring (db/crypto.py); the secret is shown once, at creation/rotation.
    Column("secret", Text, nullable=False),
    Column("previous_secret", Text),
    Column("previous_secret_expires_at", DateTime(timezone=True)),
    Column("signing_key", Text),  # ed25519 private key, sealed; None: HMAC only
    # The sender's view of the endpoint (domain/webhooks/breaker.py, delivery.py).
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    Column("breaker_open_until", DateTime(timezone=True)),
    Column("breaker_opened_times", Integer, nullable=False, server_default="0"),
    Column("failing_since", DateTime(timezone=True)),
    Column("disabled_at", DateTime(timezone=True)),
    Column("disabled_reason", Text),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_by", UUID(as_uuid=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

webhook_messages = Table(
    "webhook_messages",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column(
        "endpoint_id",
        UUID(as_uuid=True),
        ForeignKey(webhook_endpoints.c.id, ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_id", UUID(as_uuid=True), nullable=False),  # the outbox row's event
    Column("event_type", Text, nullable=False),  # the webhook name: invoice.posted
    Column("status", String(10), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("max_attempts", Integer, nullable=False, server_default="8"),
    Column("next_attempt_at", DateTime(timezone=True)),
    # A round that took the message holds it until then; a killed worker's lease runs out.
    Column("leased_until", DateTime(timezone=True)),
    Column("last_status_code", Integer),
    Column("last_attempt_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("endpoint_id", "event_id", name="webhook_messages_once_per_endpoint"),
    Index(
        "webhook_messages_due",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
    ),
    Index("webhook_messages_by_endpoint", "endpoint_id", "created_at", "id"),
    Index(
        "webhook_messages_in_flight",
        "endpoint_id",
        postgresql_where=text("leased_until IS NOT NULL"),
    ),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column(
        "message_id",
        UUID(as_uuid=True),
        ForeignKey(webhook_messages.c.id, ondelete="CASCADE"),
        nullable=False,
    ),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Column("status_code", Integer),  # None: no answer (timeout, refused connection)
    Column("duration_ms", Integer, nullable=False),
    Column("response_excerpt", Text),  # at most 1 KB
    Column("error", Text),
    Index("webhook_attempts_by_message", "message_id", "attempted_at"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)
