from __future__ import annotations

import strawberry

from domain.shared.errors import DomainError
from domain.webhooks import handlers
from domain.webhooks.commands import RotateWebhookSecret
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.webhooks.types import (
    RotateWebhookSecretError,
    RotateWebhookSecretPayload,
    WebhookEndpoint,
)


async def rotate_webhook_secret(
    info: strawberry.Info, endpoint_id: strawberry.ID
) -> RotateWebhookSecretPayload:
    try:
        command = RotateWebhookSecret(parse_id(endpoint_id, "endpointId", "Webhook endpoint"))
        endpoint = await run_command(info, handlers.rotate_webhook_secret, command)
    except DomainError as exc:
        return RotateWebhookSecretPayload(
            endpoint=None, secret=None, errors=RotateWebhookSecretError.from_domain(exc.errors)
        )
    return RotateWebhookSecretPayload(
        endpoint=WebhookEndpoint.from_domain(endpoint), secret=endpoint.secret, errors=[]
    )
