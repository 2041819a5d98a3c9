from __future__ import annotations

import strawberry

from domain.shared.errors import DomainError
from domain.webhooks import handlers
from domain.webhooks.commands import DeleteWebhookEndpoint
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.webhooks.types import DeleteWebhookEndpointError, DeleteWebhookEndpointPayload


async def delete_webhook_endpoint(
    info: strawberry.Info, endpoint_id: strawberry.ID
) -> DeleteWebhookEndpointPayload:
    try:
        command = DeleteWebhookEndpoint(parse_id(endpoint_id, "endpointId", "Webhook endpoint"))
        deleted = await run_command(info, handlers.delete_webhook_endpoint, command)
    except DomainError as exc:
        return DeleteWebhookEndpointPayload(
            deleted_id=None, errors=DeleteWebhookEndpointError.from_domain(exc.errors)
        )
    return DeleteWebhookEndpointPayload(deleted_id=strawberry.ID(str(deleted)), errors=[])
