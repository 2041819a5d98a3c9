from __future__ import annotations

import strawberry

from domain.purchasing import handlers
from domain.purchasing.commands import CreatePurchaseOrder
from domain.purchasing.model import OrderLineInput
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.purchasing.types import (
    CreatePurchaseOrderInput,
    PurchaseOrder,
    PurchaseOrderError,
    PurchaseOrderPayload,
)


async def create_purchase_order(
    info: strawberry.Info, input: CreatePurchaseOrderInput
) -> PurchaseOrderPayload:
    try:
        command = CreatePurchaseOrder(
            company_id=parse_id(input.company_id, "companyId", "company"),
            supplier_id=parse_id(input.supplier_id, "supplierId", "supplier"),
            warehouse_id=parse_id(input.warehouse_id, "warehouseId", "warehouse"),
            order_date=input.order_date,
            expected_date=input.expected_date,
            notes=input.notes,
            lines=tuple(
                OrderLineInput(
                    product_id=parse_id(line.product_id, f"lines.{i}.productId", "product"),
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    description=line.description,
                )
                for i, line in enumerate(input.lines)
            ),
        )
        order = await run_command(info, handlers.create_purchase_order, command)
    except DomainError as exc:
        return PurchaseOrderPayload(
            purchase_order=None, errors=PurchaseOrderError.from_domain(exc.errors)
        )
    return PurchaseOrderPayload(purchase_order=PurchaseOrder.of(order), errors=[])
