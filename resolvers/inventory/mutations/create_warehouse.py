from __future__ import annotations

import strawberry

from domain.inventory import handlers
from domain.inventory.commands import CreateWarehouse
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.inventory.types import (
    CreateWarehouseInput,
    Warehouse,
    WarehouseError,
    WarehousePayload,
)


async def create_warehouse(info: strawberry.Info, input: CreateWarehouseInput) -> WarehousePayload:
    try:
        command = CreateWarehouse(
            company_id=parse_id(input.company_id, "companyId", "company"),
            code=input.code,
            name=input.name,
            address=input.address,
            locations=tuple((loc.code, loc.name) for loc in input.locations),
        )
        warehouse = await run_command(info, handlers.create_warehouse, command)
    except DomainError as exc:
        return WarehousePayload(warehouse=None, errors=WarehouseError.from_domain(exc.errors))
    return WarehousePayload(warehouse=Warehouse.of(warehouse), errors=[])
