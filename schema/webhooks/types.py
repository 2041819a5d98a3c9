"""Webhook endpoints, deliveries and attempts as the API shows them (issue 14, Standard Webhooks).

A secret is shown once: in the payload of the mutation that made it (create, rotate).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Self

import strawberry

from domain.webhooks.breaker import Breaker
from domain.webhooks.delivery import MAX_ATTEMPTS
from domain.webhooks.model import WebhookEndpoint as EndpointValue
from domain.webhooks.signing import message_id_of
from schema.errors import UserError
from schema.relay import PageInfo
from schema.scalars import JSON


@strawberry.enum(description="Where a delivery stands.")
class WebhookDeliveryStatus(Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@strawberry.enum(description="The endpoint's circuit breaker (after 5 failures in a row).")
class WebhookBreakerState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


_ENDPOINT_FIELDS = (
    "id",
    "company_id",
    "url",
    "description",
    "enabled",
    "disabled_at",
    "disabled_reason",
    "previous_secret_expires_at",
    "version",
    "created_at",
    "updated_at",
)


@strawberry.type(description="Where a tenant's events are POSTed, signed (Standard Webhooks).")
class WebhookEndpoint:
    id: strawberry.ID
    company_id: strawberry.ID | None = strawberry.field(
        description="Only this company's events; null: every company's."
    )
    url: str
    description: str
    event_types: list[str] = strawberry.field(
        description="Exact names (invoice.posted), wildcards (invoice.*) or *."
    )
    enabled: bool
    disabled_at: datetime | None = strawberry.field(
        description="When the sender gave up on it (410 Gone, or 5 days of failures)."
    )
    disabled_reason: str | None
    asymmetric_signing: bool = strawberry.field(
        description="Deliveries also carry a `v1a` (ed25519) signature."
    )
    previous_secret_expires_at: datetime | None = strawberry.field(
        description="After a rotation, deliveries are signed with both secrets until then."
    )
    breaker: WebhookBreakerState
    failing_since: datetime | None = strawberry.field(
        description="Every delivery has failed since then (disabled after 5 days)."
    )
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        breaker = Breaker(
            row["consecutive_failures"], row["breaker_open_until"], row["breaker_opened_times"]
        )
        return cls(
            id=strawberry.ID(str(row["id"])),
            company_id=strawberry.ID(str(row["company_id"])) if row["company_id"] else None,
            url=row["url"],
            description=row["description"],
            event_types=list(row["event_types"]),
            enabled=row["enabled"],
            disabled_at=row["disabled_at"],
            disabled_reason=row["disabled_reason"],
            asymmetric_signing=row["asymmetric"],
            previous_secret_expires_at=row["previous_secret_expires_at"],
            breaker=WebhookBreakerState(breaker.state(datetime.now(UTC))),
            failing_since=row["failing_since"],
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    @classmethod
    def from_domain(cls, endpoint: EndpointValue) -> Self:
        """What a mutation just wrote (its sender state is the fresh one)."""
        return cls.from_row(
            {
                **{name: getattr(endpoint, name) for name in _ENDPOINT_FIELDS},
                "event_types": endpoint.event_types,
                "asymmetric": endpoint.signing_key is not None,
                "consecutive_failures": 0,
                "breaker_open_until": None,
                "breaker_opened_times": 0,
                "failing_since": None,
            }
        )


@strawberry.type(description="One POST of a delivery.")
class WebhookAttempt:
    attempted_at: datetime
    status_code: int | None = strawberry.field(
        description="The receiver's HTTP status; null: no answer (timeout, refused, redirect)."
    )
    duration_ms: int
    response_excerpt: str | None = strawberry.field(description="At most 1 KB of the answer.")
    error: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            attempted_at=row["attempted_at"],
            status_code=row["status_code"],
            duration_ms=row["duration_ms"],
            response_excerpt=row["response_excerpt"],
            error=row["error"],
        )


@strawberry.type(description="One event for one endpoint, with its attempts.")
class WebhookDelivery:
    id: strawberry.ID
    webhook_id: str = strawberry.field(
        description="The `webhook-id` header: the same on every attempt (receivers dedupe by it)."
    )
    endpoint_id: strawberry.ID
    event_id: strawberry.ID
    event_type: str
    status: WebhookDeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    created_at: datetime

    # Counted as the schedule's 8 attempts by the cost limit (manual retries add a few more).
    @strawberry.field(
        description="Every attempt, oldest first.", metadata={"list_size": MAX_ATTEMPTS}
    )
    async def attempts(self, info: strawberry.Info) -> list[WebhookAttempt]:
        rows = await info.context.loaders.webhook_attempts_by_message.load(uuid.UUID(self.id))
        return [WebhookAttempt.from_row(r) for r in rows]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=strawberry.ID(str(row["id"])),
            webhook_id=message_id_of(row["id"]),
            endpoint_id=strawberry.ID(str(row["endpoint_id"])),
            event_id=strawberry.ID(str(row["event_id"])),
            event_type=row["event_type"],
            status=WebhookDeliveryStatus(row["status"]),
            attempt_count=row["attempts"],
            next_attempt_at=row["next_attempt_at"] if row["status"] == "pending" else None,
            last_status_code=row["last_status_code"],
            created_at=row["created_at"],
        )


@strawberry.type
class WebhookDeliveryEdge:
    cursor: str
    node: WebhookDelivery


@strawberry.type
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge]
    page_info: PageInfo


@strawberry.type(description="An event type an endpoint may subscribe to.")
class WebhookEventType:
    name: str
    description: str
    example: JSON = strawberry.field(description="A delivery's `data` for this type.")


@strawberry.input
class CreateWebhookEndpointInput:
    url: str
    event_types: list[str]
    description: str = ""
    company_id: strawberry.ID | None = None
    enabled: bool = True
    asymmetric_signing: bool = strawberry.field(
        default=False, description="Also sign with ed25519 (`v1a`); the public key is returned."
    )


@strawberry.input
class UpdateWebhookEndpointInput:
    endpoint_id: strawberry.ID
    version: int = strawberry.field(description="The version you last read.")
    url: str | None = None
    event_types: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None


@strawberry.type
class CreateWebhookEndpointError(UserError):
    pass


@strawberry.type
class UpdateWebhookEndpointError(UserError):
    pass


@strawberry.type
class RotateWebhookSecretError(UserError):
    pass


@strawberry.type
class DeleteWebhookEndpointError(UserError):
    pass


@strawberry.type
class SendTestWebhookError(UserError):
    pass


@strawberry.type
class RetryWebhookDeliveryError(UserError):
    pass


@strawberry.type
class CreateWebhookEndpointPayload:
    endpoint: WebhookEndpoint | None
    secret: str | None = strawberry.field(
        description="The `whsec_…` signing secret: shown this once, keep it."
    )
    public_key: str | None = strawberry.field(
        description="The `whpk_…` ed25519 public key, when asymmetric signing is on."
    )
    errors: list[CreateWebhookEndpointError]


@strawberry.type
class UpdateWebhookEndpointPayload:
    endpoint: WebhookEndpoint | None
    errors: list[UpdateWebhookEndpointError]


@strawberry.type
class RotateWebhookSecretPayload:
    endpoint: WebhookEndpoint | None
    secret: str | None = strawberry.field(
        description="The new secret, shown this once; the old one signs too for 24 hours."
    )
    errors: list[RotateWebhookSecretError]


@strawberry.type
class DeleteWebhookEndpointPayload:
    deleted_id: strawberry.ID | None
    errors: list[DeleteWebhookEndpointError]


@strawberry.type
class SendTestWebhookPayload:
    delivery: WebhookDelivery | None
    errors: list[SendTestWebhookError]


@strawberry.type
class RetryWebhookDeliveryPayload:
    delivery: WebhookDelivery | None
    errors: list[RetryWebhookDeliveryError]
