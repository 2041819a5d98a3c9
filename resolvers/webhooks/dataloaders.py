from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncEngine

from db.readmodels.webhooks import attempts_by_message


class AttemptsByMessageLoader(DataLoader[uuid.UUID, list[dict[str, Any]]]):
    def __init__(self, tenant_engine: AsyncEngine) -> None:
        super().__init__()
        self._engine = tenant_engine

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[dict[str, Any]]]:
        found = await attempts_by_message(self._engine, keys)
        return [found[k] for k in keys]
