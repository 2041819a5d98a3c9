from __future__ import annotations

import uuid
from collections.abc import Sequence

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncEngine

from db.access import roles_by_id
from domain.identity.access import Role


class RoleByIdLoader(DataLoader[str, Role | None]):
    def __init__(self, tenant_engine: AsyncEngine) -> None:
        super().__init__()
        self._engine = tenant_engine

    async def batch_load_fn(self, keys: Sequence[str]) -> list[Role | None]:
        ids: dict[str, uuid.UUID] = {}
        for key in keys:
            try:
                ids[key] = uuid.UUID(key)
            except ValueError:
                continue
        found = await roles_by_id(self._engine, list(ids.values()))
        return [found.get(ids[k]) if k in ids else None for k in keys]
