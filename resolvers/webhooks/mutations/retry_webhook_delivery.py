from __future__ import annotations

import strawberry

from db.readmodels.webhooks import delivery
from domain.shared.errors import DomainError
from domain.webhooks import handlers
from domain.webhooks.commands import RetryWebhookDelivery
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.webhooks.types import (
    RetryWebhookDeliveryError,
    RetryWebhookDeliveryPayload,
    WebhookDelivery,
)


async def retry_webhook_delivery(
    info: strawberry.Info, id: strawberry.ID
) -> RetryWebhookDeliveryPayload:
    """One more attempt, now, whatever the delivery's state."""
    try:
        command = RetryWebhookDelivery(parse_id(id, "id", "Webhook delivery"))
        message_id = await run_command(info, handlers.retry_webhook_delivery, command)
    except DomainError as exc:
        return RetryWebhookDeliveryPayload(
            delivery=None, errors=RetryWebhookDeliveryError.from_domain(exc.errors)
        )
    row = await delivery(info.context.tenant_engine, message_id=message_id)
    return RetryWebhookDeliveryPayload(
        delivery=WebhookDelivery.from_row(row) if row is not None else None, errors=[]
    )
