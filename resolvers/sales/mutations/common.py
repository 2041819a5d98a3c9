"""Input translation shared by the sales mutations."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.sales.model import AllocationInput, ItemInput, SalesDocument
from domain.shared.aging import today_in
from resolvers.ids import parse_id
from resolvers.sales.build import documents_of, invoices_of
from schema.sales import types


def tenant_today(info: strawberry.Info) -> date:
    """Today in the caller's tenant's timezone: the default date of a document."""
    tenant = info.context.tenant_context
    return today_in(tenant.timezone if tenant is not None else None)


def items(given: list[types.InvoiceItemInput], prefix: str = "items") -> tuple[ItemInput, ...]:
    return tuple(
        ItemInput(
            product_id=parse_id(i.product_id, f"{prefix}.{n}.productId", "product")
            if i.product_id is not None
            else None,
            quantity=i.quantity,
            unit_price=i.unit_price,
            description=i.description,
            discount_percent=i.discount_percent,
            tax_code=i.tax_code,
            warehouse_id=parse_id(i.warehouse_id, f"{prefix}.{n}.warehouseId", "warehouse")
            if i.warehouse_id is not None
            else None,
        )
        for n, i in enumerate(given)
    )


def allocations(given: list[types.AllocationInput]) -> tuple[AllocationInput, ...]:
    return tuple(
        AllocationInput(
            invoice_id=parse_id(a.invoice_id, f"allocations.{n}.invoiceId", "invoice"),
            amount=a.amount,
        )
        for n, a in enumerate(given)
    )


async def invoice_of(info: strawberry.Info, document: SalesDocument) -> types.Invoice:
    """The payload's invoice with its relations, its status as of the tenant's today."""
    return (await invoices_of(info, [document], tenant_today(info)))[0]


async def document_of(info: strawberry.Info, document: SalesDocument) -> types.SalesDocument:
    return (await documents_of(info, [document]))[0]
