from __future__ import annotations

import strawberry

from db.readmodels.webhooks import delivery
from domain.shared.errors import DomainError
from domain.webhooks import handlers
from domain.webhooks.commands import SendTestWebhook
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.webhooks.types import SendTestWebhookError, SendTestWebhookPayload, WebhookDelivery


async def send_test_webhook(
    info: strawberry.Info, endpoint_id: strawberry.ID
) -> SendTestWebhookPayload:
    """Records `webhook.test`; the commit writes its delivery, which the sender posts at once."""
    try:
        command = SendTestWebhook(parse_id(endpoint_id, "endpointId", "Webhook endpoint"))
        endpoint, event_id = await run_command(info, handlers.send_test_webhook, command)
    except DomainError as exc:
        return SendTestWebhookPayload(
            delivery=None, errors=SendTestWebhookError.from_domain(exc.errors)
        )
    row = await delivery(info.context.tenant_engine, endpoint_and_event=(endpoint.id, event_id))
    return SendTestWebhookPayload(
        delivery=WebhookDelivery.from_row(row) if row is not None else None, errors=[]
    )
