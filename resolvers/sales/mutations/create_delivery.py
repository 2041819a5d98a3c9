from __future__ import annotations

import strawberry

from domain.sales import handlers
from domain.sales.commands import CreateDelivery, DeliveryLineInput
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from resolvers.sales.mutations.common import document_of, tenant_today
from schema.sales.types import (
    CreateDeliveryInput,
    SalesDocumentError,
    SalesDocumentPayload,
)


async def create_delivery(
    info: strawberry.Info, input: CreateDeliveryInput
) -> SalesDocumentPayload:
    try:
        command = CreateDelivery(
            sales_order_id=parse_id(input.sales_order_id, "salesOrderId", "sales order"),
            lines=tuple(
                DeliveryLineInput(line_number=x.line_number, quantity=x.quantity)
                for x in input.lines or []
            ),
            delivery_date=input.delivery_date or tenant_today(info),
            notes=input.notes,
        )
        delivery = await run_command(info, handlers.create_delivery, command)
    except DomainError as exc:
        return SalesDocumentPayload(
            document=None, errors=SalesDocumentError.from_domain(exc.errors)
        )
    return SalesDocumentPayload(document=await document_of(info, delivery), errors=[])
