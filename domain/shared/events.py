"""The DomainEvent envelope, exactly as the spec draws it.

Aggregates record *what* happened (`RecordedEvent`); the unit of work stamps each with *who, when
and why* (`EventOrigin`) to make the envelope that goes to the outbox, Redis and Celery.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RecordedEvent:
    event_type: str  # past tense: CompanyCreated, TransactionPosted, ...
    aggregate_type: str
    aggregate_id: uuid.UUID
    payload: dict[str, Any]
    occurred_on: datetime
    event_version: int = 1


@dataclass(frozen=True)
class EventMetadata:
    source: str
    request_id: str
    causation_id: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class EventOrigin:
    """Who caused a command and through which request; carried into every event it emits."""

    tenant_id: uuid.UUID
    user_id: uuid.UUID
    correlation_id: str
    metadata: EventMetadata


@dataclass(frozen=True)
class DomainEvent:
    id: uuid.UUID
    event_type: str
    aggregate_id: uuid.UUID
    aggregate_type: str
    event_version: int
    occurred_on: datetime
    correlation_id: str
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    payload: dict[str, Any]
    metadata: EventMetadata = field(compare=False)

    @classmethod
    def stamp(cls, recorded: RecordedEvent, origin: EventOrigin) -> DomainEvent:
        return cls(
            id=uuid.uuid4(),
            event_type=recorded.event_type,
            aggregate_id=recorded.aggregate_id,
            aggregate_type=recorded.aggregate_type,
            event_version=recorded.event_version,
            occurred_on=recorded.occurred_on,
            correlation_id=origin.correlation_id,
            tenant_id=origin.tenant_id,
            user_id=origin.user_id,
            payload=recorded.payload,
            metadata=origin.metadata,
        )

    def to_envelope(self) -> dict[str, Any]:
        """The wire form (JSON-ready, camelCase keys as in the spec)."""
        m = self.metadata
        return {
            "id": str(self.id),
            "eventType": self.event_type,
            "aggregateId": str(self.aggregate_id),
            "aggregateType": self.aggregate_type,
            "eventVersion": self.event_version,
            "occurredOn": self.occurred_on.isoformat(),
            "correlationId": self.correlation_id,
            "tenantId": str(self.tenant_id),
            "userId": str(self.user_id),
            "payload": self.payload,
            "metadata": {
                "source": m.source,
                "causationId": m.causation_id,
                "ipAddress": m.ip_address,
                "userAgent": m.user_agent,
                "requestId": m.request_id,
            },
        }


def tenant_channel(tenant_id: str) -> str:
    """The pub/sub channel carrying one tenant's domain events (one channel per tenant)."""
    return f"tenant:{tenant_id}:events"
