from __future__ import annotations

import strawberry

from domain.inventory import handlers
from domain.inventory.commands import UpdateWarehouse
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.inventory.types import (
    UpdateWarehouseInput,
    Warehouse,
    WarehouseError,
    WarehousePayload,
)


async def update_warehouse(info: strawberry.Info, input: UpdateWarehouseInput) -> WarehousePayload:
    try:
        command = UpdateWarehouse(
            warehouse_id=parse_id(input.id, "id", "warehouse"),
            expected_version=input.version,
            name=input.name,
            address=input.address,
            is_active=input.is_active,
        )
        warehouse = await run_command(info, handlers.update_warehouse, command)
    except DomainError as exc:
        return WarehousePayload(warehouse=None, errors=WarehouseError.from_domain(exc.errors))
    return WarehousePayload(warehouse=Warehouse.of(warehouse), errors=[])
