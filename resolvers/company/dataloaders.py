from __future__ import annotations

import uuid
from collections.abc import Sequence

from aiodataloader import DataLoader
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

from db.readmodels.companies import companies_by_id


class CompanyByIdLoader(DataLoader[uuid.UUID, RowMapping | None]):
    def __init__(self, tenant_engine: AsyncEngine) -> None:
        super().__init__()
        self._engine = tenant_engine

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
        rows = await companies_by_id(self._engine, keys)
        return [rows.get(k) for k in keys]
