"""Event types the webhooks context emits (payloads are built in model.py).

None carries a secret: events go to the outbox, Redis, subscribers and other webhooks.
"""

WEBHOOK_ENDPOINT_CREATED = "WebhookEndpointCreated"
WEBHOOK_ENDPOINT_UPDATED = "WebhookEndpointUpdated"
WEBHOOK_SECRET_ROTATED = "WebhookSecretRotated"  # noqa: S105 (an event name)
WEBHOOK_ENDPOINT_DELETED = "WebhookEndpointDeleted"
# Emitted by the sender when an endpoint answered 410 or failed everything for 5 days.
WEBHOOK_ENDPOINT_DISABLED = "WebhookEndpointDisabled"
# sendTestWebhook: delivered to its one endpoint only, whatever the endpoint subscribes to.
WEBHOOK_TEST = "WebhookTest"
# retryWebhookDelivery: its commit wakes the sender through the relay like any other event.
WEBHOOK_DELIVERY_RETRIED = "WebhookDeliveryRetried"
ALL = (
    WEBHOOK_ENDPOINT_CREATED,
    WEBHOOK_ENDPOINT_UPDATED,
    WEBHOOK_SECRET_ROTATED,
    WEBHOOK_ENDPOINT_DELETED,
    WEBHOOK_ENDPOINT_DISABLED,
    WEBHOOK_TEST,
    WEBHOOK_DELIVERY_RETRIED,
)
