"""The webhook endpoint: where a tenant's events are POSTed, and with which secrets.

Secrets live here in clear only in memory; the repository seals them with the key ring at rest.
A rotation keeps the previous secret for `ROTATION_OVERLAP`: deliveries carry a signature of
each, so a receiver may switch its secret at any time within the day.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain.shared.errors import Conflict, DomainError, ErrorCode, FieldError
from domain.shared.events import RecordedEvent
from domain.webhooks import events
from domain.webhooks.signing import new_secret, new_signing_key, public_key_of

ROTATION_OVERLAP = timedelta(hours=24)
MAX_DESCRIPTION = 500
AGGREGATE = "WebhookEndpoint"


@dataclass
class WebhookEndpoint:
    id: uuid.UUID
    company_id: uuid.UUID | None
    url: str
    description: str
    event_types: tuple[str, ...]
    enabled: bool
    secret: str
    previous_secret: str | None
    previous_secret_expires_at: datetime | None
    signing_key: str | None  # ed25519 private key (`whsk_…`) when asymmetric signing is on
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int = 1
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    events: list[RecordedEvent] = field(default_factory=list, repr=False)
    # Set when the URL changed or the endpoint was enabled again: the sender forgets its
    # failures (circuit breaker, failing since) for the endpoint.
    sender_reset: bool = field(default=False, repr=False, compare=False)

    @property
    def public_key(self) -> str | None:
        return public_key_of(self.signing_key) if self.signing_key else None

    @classmethod
    def create(
        cls,
        *,
        url: str,
        event_types: tuple[str, ...],
        description: str,
        company_id: uuid.UUID | None,
        enabled: bool,
        asymmetric_signing: bool,
        actor: uuid.UUID,
        now: datetime,
    ) -> WebhookEndpoint:
        _check_description(description)
        endpoint = cls(
            id=uuid.uuid4(),
            company_id=company_id,
            url=url,
            description=description,
            event_types=event_types,
            enabled=enabled,
            secret=new_secret(),
            previous_secret=None,
            previous_secret_expires_at=None,
            signing_key=new_signing_key()[0] if asymmetric_signing else None,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        endpoint._record(events.WEBHOOK_ENDPOINT_CREATED, now, endpoint._summary())
        return endpoint

    def update(
        self,
        *,
        expected_version: int,
        url: str | None,
        event_types: tuple[str, ...] | None,
        description: str | None,
        enabled: bool | None,
        now: datetime,
    ) -> None:
        if expected_version != self.version:
            raise Conflict(
                f"The endpoint changed since you read it (version {self.version}, you sent"
                f" {expected_version}); read it again."
            )
        if description is not None:
            _check_description(description)
        changes: dict[str, Any] = {}
        for name, value in (
            ("url", url),
            ("eventTypes", event_types),
            ("description", description),
            ("enabled", enabled),
        ):
            attribute = "event_types" if name == "eventTypes" else name
            if value is not None and getattr(self, attribute) != value:
                setattr(self, attribute, value)
                changes[name] = list(value) if isinstance(value, tuple) else value
        if enabled:  # re-enabled by hand: the reason it was disabled no longer holds
            self.disabled_at = self.disabled_reason = None
        if not changes:
            return
        self.sender_reset = "url" in changes or changes.get("enabled") is True
        self.version += 1
        self.updated_at = now
        self._record(events.WEBHOOK_ENDPOINT_UPDATED, now, {**self._summary(), "changes": changes})

    def rotate_secret(self, now: datetime) -> None:
        self.previous_secret = self.secret
        self.previous_secret_expires_at = now + ROTATION_OVERLAP
        self.secret = new_secret()
        self.version += 1
        self.updated_at = now
        self._record(
            events.WEBHOOK_SECRET_ROTATED,
            now,
            {
                **self._summary(),
                "previousSecretExpiresAt": self.previous_secret_expires_at.isoformat(),
            },
        )

    def delete(self, now: datetime) -> None:
        self._record(events.WEBHOOK_ENDPOINT_DELETED, now, self._summary())

    def send_test(self, now: datetime) -> None:
        if not self.enabled:
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                "The endpoint is disabled; enable it (updateWebhookEndpoint) to test it.",
                "endpointId",
            )
        self._record(
            events.WEBHOOK_TEST,
            now,
            {**self._summary(), "message": "A test event from BigLedger."},
        )

    def disable(self, reason: str, now: datetime) -> None:
        """The sender gives up on the endpoint (410 Gone, or 5 days of failures)."""
        if not self.enabled:
            return
        self.enabled = False
        self.disabled_at = now
        self.disabled_reason = reason
        self.version += 1
        self.updated_at = now
        self._record(
            events.WEBHOOK_ENDPOINT_DISABLED,
            now,
            {**self._summary(), "reason": reason, "disabledAt": now.isoformat()},
        )

    def secrets_in_force(self, now: datetime) -> tuple[str, ...]:
        """The secrets a delivery at `now` is signed with: the current one, and the previous one
        during the day after a rotation."""
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and now < expires:
            return (self.secret, self.previous_secret)
        return (self.secret,)

    def _summary(self) -> dict[str, Any]:
        return {
            "endpointId": str(self.id),
            "companyId": str(self.company_id) if self.company_id else None,
            "url": self.url,
            "eventTypes": list(self.event_types),
            "enabled": self.enabled,
        }

    def _record(self, event_type: str, now: datetime, payload: dict[str, Any]) -> None:
        self.events.append(RecordedEvent(event_type, AGGREGATE, self.id, payload, now))


def _check_description(description: str) -> None:
    if len(description) > MAX_DESCRIPTION:
        raise DomainError(
            [FieldError(ErrorCode.INVALID, f"At most {MAX_DESCRIPTION} characters.", "description")]
        )
