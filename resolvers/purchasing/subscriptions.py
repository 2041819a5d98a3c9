"""purchasingEvents: the tenant's Redis event stream (resolvers/events/stream.py), filtered to
purchasing events of the companies the caller may read purchasing in."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry

from domain.purchasing.events import ALL as PURCHASING_EVENTS
from resolvers.company.scope import subscribed_company
from resolvers.events.stream import event_company, tenant_events
from resolvers.ids import optional_argument_id
from schema.events.types import DomainEvent, ResumeAfter
from schema.permissions import guarded


@strawberry.type
class PurchasingSubscriptions:
    @strawberry.subscription(
        **guarded(
            "purchase:read",
            "Purchasing events (SupplierCreated, PurchaseOrderCreated, GoodsReceived, "
            "BillPosted, SupplierPaymentMade, SupplierCreditIssued, ...) of the companies you "
            "may enter, or of one company, or of one supplier.",
        )
    )
    async def purchasing_events(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID | None = None,
        supplier_id: strawberry.ID | None = None,
        after: ResumeAfter = None,
    ) -> AsyncGenerator[DomainEvent, None]:
        company = subscribed_company(info, company_id)
        supplier = optional_argument_id(supplier_id, "supplierId")
        grants = info.context.grants

        def accept(envelope: dict[str, Any]) -> bool:
            if envelope.get("eventType") not in PURCHASING_EVENTS:
                return False
            owner = event_company(envelope)
            if owner is None or (company is not None and owner != company):
                return False
            if supplier is not None:
                payload = envelope.get("payload") or {}
                about = payload.get("supplierId") or (
                    envelope.get("aggregateId")
                    if envelope.get("aggregateType") == "Supplier"
                    else None
                )
                if about != str(supplier):
                    return False
            return bool(grants.allows("purchase", "read", owner))

        async for envelope in tenant_events(info, accept, after):
            yield DomainEvent.from_envelope(envelope)
