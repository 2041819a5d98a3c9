from __future__ import annotations

import strawberry

from domain.inventory import handlers
from domain.inventory.commands import TransferStock
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from resolvers.inventory.mutations.payload import stock_payload
from schema.inventory.types import StockError, StockPayload, TransferStockInput


async def transfer_stock(info: strawberry.Info, input: TransferStockInput) -> StockPayload:
    try:
        command = TransferStock(
            company_id=parse_id(input.company_id, "companyId", "company"),
            product_id=parse_id(input.product_id, "productId", "product"),
            from_warehouse_id=parse_id(input.from_warehouse_id, "fromWarehouseId", "warehouse"),
            to_warehouse_id=parse_id(input.to_warehouse_id, "toWarehouseId", "warehouse"),
            quantity=input.quantity,
            reason=input.reason,
            in_transit=input.in_transit,
            occurred_on=input.occurred_on,
        )
        change = await run_command(info, handlers.transfer_stock, command)
    except DomainError as exc:
        return StockPayload(
            levels=[], movement_ids=[], transfer=None, errors=StockError.from_domain(exc.errors)
        )
    return await stock_payload(info, change)
