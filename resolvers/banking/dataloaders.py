from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncEngine

from db.readmodels.banking import lines_by_statement, matches_by_line, suggestions_by_line


class _ByKey(DataLoader[uuid.UUID, list[dict[str, Any]]]):
    def __init__(self, tenant_engine: AsyncEngine) -> None:
        super().__init__()
        self._engine = tenant_engine


class BankLinesByStatementLoader(_ByKey):
    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[dict[str, Any]]]:
        found = await lines_by_statement(self._engine, keys)
        return [found[k] for k in keys]


class BankMatchesByLineLoader(_ByKey):
    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[dict[str, Any]]]:
        found = await matches_by_line(self._engine, keys)
        return [found[k] for k in keys]


class BankSuggestionsByLineLoader(_ByKey):
    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[dict[str, Any]]]:
        found = await suggestions_by_line(self._engine, keys)
        return [found[k] for k in keys]
