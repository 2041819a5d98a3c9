from __future__ import annotations

import strawberry

from domain.shared.errors import DomainError
from domain.webhooks import handlers
from domain.webhooks.commands import UpdateWebhookEndpoint
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.webhooks.types import (
    UpdateWebhookEndpointError,
    UpdateWebhookEndpointInput,
    UpdateWebhookEndpointPayload,
    WebhookEndpoint,
)


async def update_webhook_endpoint(
    info: strawberry.Info, input: UpdateWebhookEndpointInput
) -> UpdateWebhookEndpointPayload:
    try:
        command = UpdateWebhookEndpoint(
            endpoint_id=parse_id(input.endpoint_id, "endpointId", "Webhook endpoint"),
            expected_version=input.version,
            url=input.url,
            event_types=tuple(input.event_types) if input.event_types is not None else None,
            description=input.description,
            enabled=input.enabled,
        )
        endpoint = await run_command(
            info, handlers.update_webhook_endpoint, command, urls=info.context.services.webhook_urls
        )
    except DomainError as exc:
        return UpdateWebhookEndpointPayload(
            endpoint=None, errors=UpdateWebhookEndpointError.from_domain(exc.errors)
        )
    return UpdateWebhookEndpointPayload(endpoint=WebhookEndpoint.from_domain(endpoint), errors=[])
