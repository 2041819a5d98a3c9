"""stockLevelChanged: the tenant's Redis event stream (resolvers/events/stream.py), filtered to
StockLevelChanged of one product (and optionally one warehouse) the caller may see."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from graphql import GraphQLError

from domain.inventory.events import STOCK_LEVEL_CHANGED
from resolvers.events.stream import event_company, tenant_events
from resolvers.ids import argument_id, optional_argument_id
from schema.inventory.types import StockLevel, with_references
from schema.permissions import guarded


@strawberry.type
class InventorySubscriptions:
    @strawberry.subscription(
        **guarded(
            "stock:read",
            "The product's live stock level in a warehouse (or in each warehouse, without "
            "`warehouseId`), pushed after every movement or commitment change.",
        )
    )
    async def stock_level_changed(
        self,
        info: strawberry.Info,
        product_id: strawberry.ID,
        warehouse_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[StockLevel, None]:
        product = argument_id(product_id, "productId")
        warehouse = optional_argument_id(warehouse_id, "warehouseId")
        found = await info.context.loaders.product_by_id.load(product)
        grants = info.context.grants
        if found is None or not grants.can_enter(found.company_id):
            # the same answer for a product that does not exist: nothing to probe
            raise GraphQLError("Product not found.", extensions={"code": "NOT_FOUND"})

        def accept(envelope: dict[str, Any]) -> bool:
            if envelope.get("eventType") != STOCK_LEVEL_CHANGED:
                return False
            payload = envelope.get("payload") or {}
            if payload.get("productId") != str(product):
                return False
            if warehouse is not None and payload.get("warehouseId") != str(warehouse):
                return False
            company = event_company(envelope)
            return company is not None and bool(grants.allows("stock", "read", company))

        async for envelope in tenant_events(info, accept):
            (level,) = await with_references(info, [StockLevel.from_payload(envelope["payload"])])
            yield level
