from __future__ import annotations

import strawberry

from db.readmodels import webhooks as read
from domain.webhooks.event_types import CATALOGUE
from resolvers.ids import argument_id, optional_argument_id
from schema.cursors import CREATED_AT
from schema.permissions import guarded
from schema.relay import page_info, page_size
from schema.scalars import JSON
from schema.webhooks.types import (
    WebhookDelivery,
    WebhookDeliveryConnection,
    WebhookDeliveryEdge,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEventType,
)


@strawberry.type
class WebhookQueries:
    @strawberry.field(**guarded("webhook:read", "Your tenant's webhook endpoints, oldest first."))
    async def webhook_endpoints(
        self, info: strawberry.Info, company_id: strawberry.ID | None = None
    ) -> list[WebhookEndpoint]:
        company = optional_argument_id(company_id, "companyId")
        rows = await read.endpoints(
            info.context.tenant_engine,
            visible=info.context.grants.visible_companies(),
            company_id=company,
        )
        return [WebhookEndpoint.from_row(r) for r in rows]

    @strawberry.field(**guarded("webhook:read", "One webhook endpoint, or null."))
    async def webhook_endpoint(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> WebhookEndpoint | None:
        row = await read.endpoint(
            info.context.tenant_engine,
            argument_id(id, "id"),
            visible=info.context.grants.visible_companies(),
        )
        return WebhookEndpoint.from_row(row) if row is not None else None

    @strawberry.field(
        **guarded("webhook:read", "An endpoint's deliveries, newest first, with their attempts.")
    )
    async def webhook_deliveries(
        self,
        info: strawberry.Info,
        endpoint_id: strawberry.ID,
        status: WebhookDeliveryStatus | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> WebhookDeliveryConnection:
        size = page_size(first)
        position = CREATED_AT.decode(after) if after else None
        endpoint = await read.endpoint(
            info.context.tenant_engine,
            argument_id(endpoint_id, "endpointId"),
            visible=info.context.grants.visible_companies(),
        )
        rows = []
        if endpoint is not None:  # an endpoint one may not see has no deliveries either
            rows = await read.deliveries_page(
                info.context.tenant_engine,
                endpoint_id=endpoint["id"],
                status=status.value if status else None,
                first=size,
                after=position,
            )
        page = rows[:size]
        edges = [
            WebhookDeliveryEdge(
                cursor=CREATED_AT.encode(r["created_at"], r["id"]),
                node=WebhookDelivery.from_row(r),
            )
            for r in page
        ]
        return WebhookDeliveryConnection(
            edges=edges, page_info=page_info(edges, len(rows) > size, position is not None)
        )

    @strawberry.field(
        **guarded(
            "webhook:read",
            "The event types an endpoint may subscribe to, each with an example of a"
            " delivery's `data`.",
        )
    )
    def webhook_event_types(self) -> list[WebhookEventType]:
        return [
            WebhookEventType(name=t.name, description=t.description, example=JSON(t.example))
            for t in CATALOGUE
        ]
