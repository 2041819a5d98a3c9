"""Command handlers for webhook endpoints: one function per command, one transaction per call.

Endpoints belong to the tenant (`webhook:manage`); one scoped to a company needs the right to
enter that company, and a caller who cannot enter it is told it does not exist.
"""

from __future__ import annotations

import uuid

from domain.identity.access import AccessGrants
from domain.identity.plans import TenantLimits, enforce_limit
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError, FieldError, NotFound
from domain.shared.events import EventOrigin, RecordedEvent
from domain.webhooks.commands import (
    CreateWebhookEndpoint,
    DeleteWebhookEndpoint,
    DisableWebhookEndpoint,
    RetryWebhookDelivery,
    RotateWebhookSecret,
    SendTestWebhook,
    UpdateWebhookEndpoint,
)
from domain.webhooks.event_types import validate_patterns
from domain.webhooks.events import WEBHOOK_DELIVERY_RETRIED
from domain.webhooks.model import AGGREGATE, WebhookEndpoint
from domain.webhooks.ports import UrlPolicy, WebhookUnitOfWork


async def _checked(
    url: str | None, event_types: tuple[str, ...] | None, urls: UrlPolicy
) -> tuple[str | None, tuple[str, ...] | None]:
    """Both inputs checked, every error reported at once."""
    errors: list[FieldError] = []
    patterns = checked_url = None
    if event_types is not None:
        try:
            patterns = validate_patterns(event_types)
        except DomainError as exc:
            errors += exc.errors
    if url is not None:
        try:
            checked_url = await urls.check(url)
        except DomainError as exc:
            errors += exc.errors
    if errors:
        raise DomainError(errors)
    return checked_url, patterns


async def create_webhook_endpoint(
    cmd: CreateWebhookEndpoint,
    uow: WebhookUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    limits: TenantLimits,
    urls: UrlPolicy,
) -> WebhookEndpoint:
    grants.check("webhook", "manage")
    if cmd.company_id is not None and not grants.can_enter(cmd.company_id):
        raise NotFound("Company", "companyId")
    url, patterns = await _checked(cmd.url, cmd.event_types, urls)
    assert url is not None and patterns is not None
    endpoint = WebhookEndpoint.create(
        url=url,
        event_types=patterns,
        description=cmd.description,
        company_id=cmd.company_id,
        enabled=cmd.enabled,
        asymmetric_signing=cmd.asymmetric_signing,
        actor=origin.user_id,
        now=utcnow(),
    )
    async with uow:
        if cmd.company_id is not None and not await uow.webhooks.company_exists(cmd.company_id):
            raise NotFound("Company", "companyId")
        await enforce_limit(uow.limits, limits, "maxWebhookEndpoints")  # locks until commit
        await uow.webhooks.add(endpoint)
        uow.record(endpoint.events)
        await uow.commit()
    return endpoint


async def _endpoint_for_update(
    uow: WebhookUnitOfWork, endpoint_id: uuid.UUID, grants: AccessGrants
) -> WebhookEndpoint:
    endpoint = await uow.webhooks.get_for_update(endpoint_id)
    if endpoint is None or (
        endpoint.company_id is not None and not grants.can_enter(endpoint.company_id)
    ):
        raise NotFound("Webhook endpoint", "endpointId")
    return endpoint


async def update_webhook_endpoint(
    cmd: UpdateWebhookEndpoint,
    uow: WebhookUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    urls: UrlPolicy,
) -> WebhookEndpoint:
    grants.check("webhook", "manage")
    url, patterns = await _checked(cmd.url, cmd.event_types, urls)
    async with uow:
        endpoint = await _endpoint_for_update(uow, cmd.endpoint_id, grants)
        previous_version = endpoint.version
        endpoint.update(
            expected_version=cmd.expected_version,
            url=url,
            event_types=patterns,
            description=cmd.description,
            enabled=cmd.enabled,
            now=utcnow(),
        )
        if endpoint.version != previous_version:
            await uow.webhooks.save(endpoint, previous_version=previous_version)
            uow.record(endpoint.events)
            await uow.commit()
    return endpoint


async def rotate_webhook_secret(
    cmd: RotateWebhookSecret, uow: WebhookUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> WebhookEndpoint:
    grants.check("webhook", "manage")
    async with uow:
        endpoint = await _endpoint_for_update(uow, cmd.endpoint_id, grants)
        previous_version = endpoint.version
        endpoint.rotate_secret(utcnow())
        await uow.webhooks.save(endpoint, previous_version=previous_version)
        uow.record(endpoint.events)
        await uow.commit()
    return endpoint


async def delete_webhook_endpoint(
    cmd: DeleteWebhookEndpoint, uow: WebhookUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> uuid.UUID:
    grants.check("webhook", "manage")
    async with uow:
        endpoint = await _endpoint_for_update(uow, cmd.endpoint_id, grants)
        endpoint.delete(utcnow())
        await uow.webhooks.delete(endpoint.id)
        uow.record(endpoint.events)
        await uow.commit()
    return endpoint.id


async def send_test_webhook(
    cmd: SendTestWebhook, uow: WebhookUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> tuple[WebhookEndpoint, uuid.UUID]:
    """Records `WebhookTest`; the commit writes its one message, to this endpoint only.
    Returns the endpoint and the event's id (the message's key with the endpoint)."""
    grants.check("webhook", "manage")
    async with uow:
        endpoint = await _endpoint_for_update(uow, cmd.endpoint_id, grants)
        endpoint.send_test(utcnow())
        uow.record(endpoint.events)
        await uow.commit()
    return endpoint, uow.committed_events[-1].id


async def retry_webhook_delivery(
    cmd: RetryWebhookDelivery, uow: WebhookUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> uuid.UUID:
    """One more attempt, now, of a message whatever its state (a receiver fixed its bug)."""
    grants.check("webhook", "manage")
    async with uow:
        endpoint_id = await uow.webhooks.retry_message(cmd.message_id)
        endpoint = (
            await uow.webhooks.get_for_update(endpoint_id) if endpoint_id is not None else None
        )
        if endpoint is None or (
            endpoint.company_id is not None and not grants.can_enter(endpoint.company_id)
        ):
            raise NotFound("Webhook delivery", "id")
        now = utcnow()
        # An event, so the relay hears of the commit and wakes the sender at once.
        uow.record(
            [
                RecordedEvent(
                    WEBHOOK_DELIVERY_RETRIED,
                    AGGREGATE,
                    endpoint.id,
                    {"endpointId": str(endpoint.id), "messageId": str(cmd.message_id)},
                    now,
                )
            ]
        )
        await uow.commit()
    return cmd.message_id


async def disable_webhook_endpoint(
    cmd: DisableWebhookEndpoint, uow: WebhookUnitOfWork, origin: EventOrigin
) -> WebhookEndpoint | None:
    """The sender's command (no grants: the system acts). None: the endpoint is gone."""
    async with uow:
        endpoint = await uow.webhooks.get_for_update(cmd.endpoint_id)
        if endpoint is None or not endpoint.enabled:
            return endpoint
        previous_version = endpoint.version
        endpoint.disable(cmd.reason, utcnow())
        await uow.webhooks.save(endpoint, previous_version=previous_version)
        uow.record(endpoint.events)
        await uow.commit()
    return endpoint
