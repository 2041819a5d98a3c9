from __future__ import annotations

import uuid
from collections.abc import Sequence

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncEngine

from db.crypto import FieldCipher
from db.readmodels.companies import CompanyRow, companies_by_id


class CompanyByIdLoader(DataLoader[uuid.UUID, CompanyRow | None]):
    def __init__(self, tenant_engine: AsyncEngine, cipher: FieldCipher) -> None:
        super().__init__()
        self._engine = tenant_engine
        self._cipher = cipher

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[CompanyRow | None]:
        rows = await companies_by_id(self._engine, keys, self._cipher)
        return [rows.get(k) for k in keys]
