import strawberry

from resolvers.webhooks.mutations.create_webhook_endpoint import create_webhook_endpoint
from resolvers.webhooks.mutations.delete_webhook_endpoint import delete_webhook_endpoint
from resolvers.webhooks.mutations.retry_webhook_delivery import retry_webhook_delivery
from resolvers.webhooks.mutations.rotate_webhook_secret import rotate_webhook_secret
from resolvers.webhooks.mutations.send_test_webhook import send_test_webhook
from resolvers.webhooks.mutations.update_webhook_endpoint import update_webhook_endpoint
from schema.permissions import guarded


@strawberry.type
class WebhookMutations:
    create_webhook_endpoint = strawberry.mutation(
        resolver=create_webhook_endpoint,
        **guarded(
            "webhook:manage",
            "Add an endpoint; its signing secret is in the payload, shown this once.",
        ),
    )
    update_webhook_endpoint = strawberry.mutation(
        resolver=update_webhook_endpoint,
        **guarded(
            "webhook:manage",
            "Change an endpoint (send the version you last read); enabling it again resets"
            " its failure count.",
        ),
    )
    rotate_webhook_secret = strawberry.mutation(
        resolver=rotate_webhook_secret,
        **guarded(
            "webhook:manage",
            "A new secret; for 24 hours deliveries carry a signature with each secret.",
        ),
    )
    send_test_webhook = strawberry.mutation(
        resolver=send_test_webhook,
        **guarded("webhook:manage", "Send a `webhook.test` event to one endpoint."),
    )
    retry_webhook_delivery = strawberry.mutation(
        resolver=retry_webhook_delivery,
        **guarded("webhook:manage", "One more attempt of a delivery, now."),
    )
    delete_webhook_endpoint = strawberry.mutation(
        resolver=delete_webhook_endpoint,
        **guarded("webhook:manage", "Remove an endpoint with its deliveries."),
    )
