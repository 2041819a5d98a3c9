from __future__ import annotations

import uuid
from typing import Protocol

from domain.identity.plans import LimitCounter
from domain.shared.events import DomainEvent
from domain.shared.unit_of_work import UnitOfWork
from domain.webhooks.model import WebhookEndpoint


class WebhookEndpointRepository(Protocol):
    async def add(self, endpoint: WebhookEndpoint) -> None: ...

    async def get_for_update(self, endpoint_id: uuid.UUID) -> WebhookEndpoint | None:
        """Load and lock the endpoint for the rest of the transaction."""

    async def save(self, endpoint: WebhookEndpoint, *, previous_version: int) -> None:
        """Persist; raises Conflict if the stored version is no longer `previous_version`."""

    async def delete(self, endpoint_id: uuid.UUID) -> None:
        """The endpoint and its messages and attempts."""

    async def company_exists(self, company_id: uuid.UUID) -> bool: ...

    async def retry_message(self, message_id: uuid.UUID) -> uuid.UUID | None:
        """Make a delivered or failed message due now, for one more attempt; its endpoint's id,
        or None when there is no such message."""


class UrlPolicy(Protocol):
    async def check(self, url: str) -> str:
        """The URL as it will be called, or DomainError on `url` (scheme, SSRF ranges)."""


class WebhookUnitOfWork(UnitOfWork, Protocol):
    @property
    def webhooks(self) -> WebhookEndpointRepository: ...

    @property
    def limits(self) -> LimitCounter: ...

    @property
    def committed_events(self) -> list[DomainEvent]: ...
