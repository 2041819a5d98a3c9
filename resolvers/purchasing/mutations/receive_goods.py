from __future__ import annotations

import strawberry

from domain.purchasing import handlers
from domain.purchasing.commands import ReceiveGoods
from domain.purchasing.model import ReceiptLineInput
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.purchasing.types import (
    GoodsReceipt,
    GoodsReceiptError,
    GoodsReceiptPayload,
    ReceiveGoodsInput,
)


async def receive_goods(info: strawberry.Info, input: ReceiveGoodsInput) -> GoodsReceiptPayload:
    try:
        command = ReceiveGoods(
            order_id=parse_id(input.purchase_order_id, "purchaseOrderId", "purchase order"),
            receipt_date=input.receipt_date,
            warehouse_id=(
                parse_id(input.warehouse_id, "warehouseId", "warehouse")
                if input.warehouse_id is not None
                else None
            ),
            notes=input.notes,
            lines=tuple(
                ReceiptLineInput(
                    order_line_id=parse_id(
                        line.order_line_id, f"lines.{i}.orderLineId", "order line"
                    ),
                    quantity=line.quantity,
                )
                for i, line in enumerate(input.lines)
            ),
        )
        receipt = await run_command(info, handlers.receive_goods, command)
    except DomainError as exc:
        return GoodsReceiptPayload(
            goods_receipt=None, errors=GoodsReceiptError.from_domain(exc.errors)
        )
    return GoodsReceiptPayload(goods_receipt=GoodsReceipt.of(receipt), errors=[])
