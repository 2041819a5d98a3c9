from __future__ import annotations

import strawberry

from domain.sales import handlers
from domain.sales.commands import CreateSalesOrder
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from resolvers.sales.mutations.common import document_of, items, tenant_today
from schema.sales.types import (
    CreateSalesOrderInput,
    SalesDocumentError,
    SalesDocumentPayload,
)


async def create_sales_order(
    info: strawberry.Info, input: CreateSalesOrderInput
) -> SalesDocumentPayload:
    try:
        command = CreateSalesOrder(
            customer_id=parse_id(input.customer_id, "customerId", "customer")
            if input.customer_id is not None
            else None,
            items=items(input.items),
            quotation_id=parse_id(input.quotation_id, "quotationId", "quotation")
            if input.quotation_id is not None
            else None,
            warehouse_id=parse_id(input.warehouse_id, "warehouseId", "warehouse")
            if input.warehouse_id is not None
            else None,
            issue_date=input.issue_date or tenant_today(info),
            delivery_date=input.delivery_date,
            notes=input.notes,
            currency_code=input.currency_code,
            reference=input.reference,
        )
        order = await run_command(info, handlers.create_sales_order, command)
    except DomainError as exc:
        return SalesDocumentPayload(
            document=None, errors=SalesDocumentError.from_domain(exc.errors)
        )
    return SalesDocumentPayload(document=await document_of(info, order), errors=[])
