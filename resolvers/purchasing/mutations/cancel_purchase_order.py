from __future__ import annotations

import strawberry

from domain.purchasing import handlers
from domain.purchasing.commands import CancelPurchaseOrder
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.purchasing.types import (
    CancelPurchaseOrderInput,
    PurchaseOrder,
    PurchaseOrderError,
    PurchaseOrderPayload,
)


async def cancel_purchase_order(
    info: strawberry.Info, input: CancelPurchaseOrderInput
) -> PurchaseOrderPayload:
    try:
        command = CancelPurchaseOrder(order_id=parse_id(input.id, "id", "purchase order"))
        order = await run_command(info, handlers.cancel_purchase_order, command)
    except DomainError as exc:
        return PurchaseOrderPayload(
            purchase_order=None, errors=PurchaseOrderError.from_domain(exc.errors)
        )
    return PurchaseOrderPayload(purchase_order=PurchaseOrder.of(order), errors=[])
