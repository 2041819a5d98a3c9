from __future__ import annotations

import uuid
from collections.abc import Sequence

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncEngine

from db.readmodels.inventory import products_by_id, warehouses_by_id
from domain.inventory.model import Product, Warehouse


class ProductByIdLoader(DataLoader[uuid.UUID, Product | None]):
    def __init__(self, tenant_engine: AsyncEngine) -> None:
        super().__init__()
        self._engine = tenant_engine

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Product | None]:
        rows = await products_by_id(self._engine, keys)
        return [rows.get(k) for k in keys]


class WarehouseByIdLoader(DataLoader[uuid.UUID, Warehouse | None]):
    def __init__(self, tenant_engine: AsyncEngine) -> None:
        super().__init__()
        self._engine = tenant_engine

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Warehouse | None]:
        rows = await warehouses_by_id(self._engine, keys)
        return [rows.get(k) for k in keys]
