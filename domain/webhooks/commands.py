"""What a client may ask of its webhook endpoints."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class CreateWebhookEndpoint:
    url: str
    event_types: tuple[str, ...]
    description: str = ""
    company_id: uuid.UUID | None = None  # None: events of every company
    enabled: bool = True
    asymmetric_signing: bool = False  # also sign with ed25519 (`v1a`)


@dataclass(frozen=True)
class UpdateWebhookEndpoint:
    endpoint_id: uuid.UUID
    expected_version: int
    url: str | None = None
    event_types: tuple[str, ...] | None = None
    description: str | None = None
    enabled: bool | None = None


@dataclass(frozen=True)
class RotateWebhookSecret:
    endpoint_id: uuid.UUID


@dataclass(frozen=True)
class DeleteWebhookEndpoint:
    endpoint_id: uuid.UUID


@dataclass(frozen=True)
class SendTestWebhook:
    endpoint_id: uuid.UUID


@dataclass(frozen=True)
class RetryWebhookDelivery:
    message_id: uuid.UUID


@dataclass(frozen=True)
class DisableWebhookEndpoint:
    """Sent by the sender, not by clients."""

    endpoint_id: uuid.UUID
    reason: str
