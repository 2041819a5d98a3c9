from __future__ import annotations

import strawberry

from domain.shared.errors import DomainError
from domain.webhooks import handlers
from domain.webhooks.commands import CreateWebhookEndpoint
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.webhooks.types import (
    CreateWebhookEndpointError,
    CreateWebhookEndpointInput,
    CreateWebhookEndpointPayload,
    WebhookEndpoint,
)


async def create_webhook_endpoint(
    info: strawberry.Info, input: CreateWebhookEndpointInput
) -> CreateWebhookEndpointPayload:
    context = info.context
    try:
        command = CreateWebhookEndpoint(
            url=input.url,
            event_types=tuple(input.event_types),
            description=input.description,
            company_id=(
                parse_id(input.company_id, "companyId", "Company") if input.company_id else None
            ),
            enabled=input.enabled,
            asymmetric_signing=input.asymmetric_signing,
        )
        endpoint = await run_command(
            info,
            handlers.create_webhook_endpoint,
            command,
            limits=context.limits,
            urls=context.services.webhook_urls,
        )
    except DomainError as exc:
        return CreateWebhookEndpointPayload(
            endpoint=None,
            secret=None,
            public_key=None,
            errors=CreateWebhookEndpointError.from_domain(exc.errors),
        )
    return CreateWebhookEndpointPayload(
        endpoint=WebhookEndpoint.from_domain(endpoint),
        secret=endpoint.secret,
        public_key=endpoint.public_key,
        errors=[],
    )
