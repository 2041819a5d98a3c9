from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

import strawberry

from schema.scalars import JSON

ResumeAfter = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="The id of the last event you received (after reconnecting): the stream "
        "first sends the events committed since, in order and once each, then live ones."
    ),
]


@strawberry.type
class EventMetadata:
    source: str
    causation_id: str | None
    ip_address: str | None
    user_agent: str | None
    request_id: str


@strawberry.type(description="A domain event in the spec's envelope.")
class DomainEvent:
    id: strawberry.ID
    event_type: str
    aggregate_id: strawberry.ID
    aggregate_type: str
    event_version: int
    occurred_on: datetime
    correlation_id: str
    tenant_id: strawberry.ID
    user_id: strawberry.ID
    payload: JSON
    metadata: EventMetadata

    @classmethod
    def from_envelope(cls, e: dict[str, Any]) -> Self:
        m = e["metadata"]
        return cls(
            id=strawberry.ID(e["id"]),
            event_type=e["eventType"],
            aggregate_id=strawberry.ID(e["aggregateId"]),
            aggregate_type=e["aggregateType"],
            event_version=e["eventVersion"],
            occurred_on=datetime.fromisoformat(e["occurredOn"]),
            correlation_id=e["correlationId"],
            tenant_id=strawberry.ID(e["tenantId"]),
            user_id=strawberry.ID(e["userId"]),
            payload=e["payload"],
            metadata=EventMetadata(
                source=m["source"],
                causation_id=m.get("causationId"),
                ip_address=m.get("ipAddress"),
                user_agent=m.get("userAgent"),
                request_id=m["requestId"],
            ),
        )
