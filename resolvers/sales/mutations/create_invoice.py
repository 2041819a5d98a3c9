from __future__ import annotations

import strawberry

from domain.sales import handlers
from domain.sales.commands import CreateInvoice
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from resolvers.sales.mutations.common import invoice_of, items, tenant_today
from schema.sales.types import CreateInvoiceInput, InvoiceError, InvoicePayload


async def create_invoice(info: strawberry.Info, input: CreateInvoiceInput) -> InvoicePayload:
    try:
        command = CreateInvoice(
            customer_id=parse_id(input.customer_id, "customerId", "customer"),
            items=items(input.items),
            due_date=input.due_date,
            notes=input.notes,
            issue_date=input.issue_date or tenant_today(info),
            currency_code=input.currency_code,
            warehouse_id=parse_id(input.warehouse_id, "warehouseId", "warehouse")
            if input.warehouse_id is not None
            else None,
            reference=input.reference,
            delivery_id=parse_id(input.delivery_id, "deliveryId", "delivery")
            if input.delivery_id is not None
            else None,
            post=input.post,
            idempotency_key=input.idempotency_key,
        )
        invoice = await run_command(info, handlers.create_invoice, command)
    except DomainError as exc:
        return InvoicePayload(invoice=None, errors=InvoiceError.from_domain(exc.errors))
    return InvoicePayload(invoice=await invoice_of(info, invoice), errors=[])
