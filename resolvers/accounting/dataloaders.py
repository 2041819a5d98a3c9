from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncEngine

from db.readmodels.accounting import Row, accounts_by_id, entries_by_id, lines_by_entry
from domain.accounting.model import Account


class AccountByIdLoader(DataLoader[uuid.UUID, Account | None]):
    def __init__(self, tenant_engine: AsyncEngine) -> None:
        super().__init__()
        self._engine = tenant_engine

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Account | None]:
        rows = await accounts_by_id(self._engine, keys)
        return [rows.get(k) for k in keys]


class JournalEntryByIdLoader(DataLoader[uuid.UUID, Row | None]):
    def __init__(self, tenant_engine: AsyncEngine) -> None:
        super().__init__()
        self._engine = tenant_engine

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Row | None]:
        rows = await entries_by_id(self._engine, keys)
        return [rows.get(k) for k in keys]


class JournalLinesByEntryLoader(DataLoader[tuple[uuid.UUID, date], list[Row]]):
    """Keyed by (entry id, entry date): the date confines the read to its month's partition."""

    def __init__(self, tenant_engine: AsyncEngine) -> None:
        super().__init__()
        self._engine = tenant_engine

    async def batch_load_fn(self, keys: Sequence[tuple[uuid.UUID, date]]) -> list[list[Row]]:
        rows = await lines_by_entry(self._engine, keys)
        return [rows.get(k, []) for k in keys]
