"""The payload of the stock mutations (adjustStock, transferStock, receiveTransfer)."""

from __future__ import annotations

import strawberry

from domain.inventory.handlers import StockChange
from schema.inventory.types import (
    StockLevel,
    StockPayload,
    StockTransfer,
    money,
    quantity,
    with_references,
)


async def stock_payload(info: strawberry.Info, change: StockChange) -> StockPayload:
    transfer = change.transfer
    return StockPayload(
        levels=await with_references(info, [StockLevel.of(level) for level in change.levels]),
        movement_ids=[strawberry.ID(str(m)) for m in change.movement_ids],
        transfer=(
            StockTransfer(
                id=strawberry.ID(str(transfer.id)),
                product_id=strawberry.ID(str(transfer.product_id)),
                from_warehouse_id=strawberry.ID(str(transfer.from_warehouse_id)),
                to_warehouse_id=strawberry.ID(str(transfer.to_warehouse_id)),
                quantity=quantity(transfer.quantity),
                value=money(transfer.value),
                status=transfer.status,
                shipped_on=transfer.shipped_on,
                received_on=transfer.received_on,
            )
            if transfer is not None
            else None
        ),
        errors=[],
    )
