"""invoiceEvents and paymentEvents: the tenant's Redis event stream filtered to sales events of
the companies the caller may enter and read invoices (payments) in (resolvers/events/stream.py)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Collection
from typing import Any

import strawberry

from domain.sales.events import INVOICE_EVENTS, PAYMENT_EVENTS
from resolvers.company.scope import subscribed_company
from resolvers.events.stream import event_company, tenant_events
from resolvers.ids import optional_argument_id
from schema.events.types import DomainEvent, ResumeAfter
from schema.permissions import guarded


async def _sales_events(
    info: strawberry.Info,
    company_id: strawberry.ID | None,
    customer_id: strawberry.ID | None,
    event_types: Collection[str],
    resource: str,
    after: strawberry.ID | None,
) -> AsyncGenerator[DomainEvent, None]:
    wanted = subscribed_company(info, company_id)
    customer_key = optional_argument_id(customer_id, "customerId")
    customer = str(customer_key) if customer_key is not None else None
    grants = info.context.grants

    def accept(envelope: dict[str, Any]) -> bool:
        if envelope.get("eventType") not in event_types:
            return False
        company = event_company(envelope)
        if company is None or (wanted is not None and company != wanted):
            return False
        if customer is not None and (envelope.get("payload") or {}).get("customerId") != customer:
            return False
        return bool(grants.allows(resource, "read", company))

    async for envelope in tenant_events(info, accept, after):
        yield DomainEvent.from_envelope(envelope)


@strawberry.type
class SalesSubscriptions:
    @strawberry.subscription(
        **guarded(
            "invoice:read",
            "InvoiceCreated, InvoicePosted, InvoiceSettled, InvoiceVoided, CreditNoteIssued "
            "and DebitNoteIssued events of the companies you may enter (or of one company, "
            "or one customer).",
        )
    )
    async def invoice_events(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID | None = None,
        customer_id: strawberry.ID | None = None,
        after: ResumeAfter = None,
    ) -> AsyncGenerator[DomainEvent, None]:
        async for event in _sales_events(
            info, company_id, customer_id, INVOICE_EVENTS, "invoice", after
        ):
            yield event

    @strawberry.subscription(
        **guarded(
            "payment:read",
            "PaymentReceived, PaymentAllocated and PaymentRefunded events of the companies "
            "you may enter (or of one company, or one customer).",
        )
    )
    async def payment_events(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID | None = None,
        customer_id: strawberry.ID | None = None,
        after: ResumeAfter = None,
    ) -> AsyncGenerator[DomainEvent, None]:
        async for event in _sales_events(
            info, company_id, customer_id, PAYMENT_EVENTS, "payment", after
        ):
            yield event
