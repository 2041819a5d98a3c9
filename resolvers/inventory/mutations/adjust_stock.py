from __future__ import annotations

import strawberry

from domain.inventory import handlers
from domain.inventory.commands import AdjustStock
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from resolvers.inventory.mutations.payload import stock_payload
from schema.inventory.types import AdjustStockInput, StockError, StockPayload


async def adjust_stock(info: strawberry.Info, input: AdjustStockInput) -> StockPayload:
    try:
        command = AdjustStock(
            company_id=parse_id(input.company_id, "companyId", "company"),
            product_id=parse_id(input.product_id, "productId", "product"),
            warehouse_id=parse_id(input.warehouse_id, "warehouseId", "warehouse"),
            reason=input.reason,
            counted_quantity=input.counted_quantity,
            delta=input.delta,
            unit_cost=input.unit_cost,
            occurred_on=input.occurred_on,
            location_id=(
                parse_id(input.location_id, "locationId", "location") if input.location_id else None
            ),
        )
        change = await run_command(info, handlers.adjust_stock, command)
    except DomainError as exc:
        return StockPayload(
            levels=[], movement_ids=[], transfer=None, errors=StockError.from_domain(exc.errors)
        )
    return await stock_payload(info, change)
