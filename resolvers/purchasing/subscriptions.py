"""purchasingEvents: the tenant's Redis event stream (resolvers/events/stream.py), filtered to
purchasing events of the companies the caller may read purchasing in."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from graphql import GraphQLError

from domain.purchasing.events import ALL as PURCHASING_EVENTS
from resolvers.events.stream import event_company, tenant_events
from schema.events.types import DomainEvent, ResumeAfter
from schema.permissions import guarded


def _id_argument(value: strawberry.ID | None, name: str) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise GraphQLError(
            f"`{name}` is not an id.", extensions={"code": "BAD_USER_INPUT"}
        ) from None


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
        company = _id_argument(company_id, "companyId")
        supplier = _id_argument(supplier_id, "supplierId")
        grants = info.context.grants
        if company is not None and not grants.can_enter(company):
            # the same answer for a company that does not exist: nothing to probe
            raise GraphQLError("Company not found.", extensions={"code": "NOT_FOUND"})

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
