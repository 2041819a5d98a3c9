"""The one SQL implementation of idempotency keys (`domain.shared.idempotency`), parameterised
by table: journal_requests, sales_requests and purchasing_requests share the shape (the key's
scope columns, `request_hash`, a result id column) and differ in names only."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.shared.idempotency import PriorRequest


@dataclass(frozen=True)
class RequestTable:
    """A context's table of idempotency keys and the column holding the result's id."""

    table: Table
    result_column: str

    async def claim(
        self, conn: AsyncConnection, scope: Mapping[str, object], fingerprint: str
    ) -> PriorRequest | None:
        """`scope`: the key's primary-key columns (company, key, and operation where the table
        has one). None: the key is new and now ours until commit; else who used it first."""
        columns = self.table.c
        claimed = (
            await conn.execute(
                pg_insert(self.table)
                .values(**scope, request_hash=fingerprint)
                .on_conflict_do_nothing()
                .returning(columns.company_id)
            )
        ).first()
        if claimed is not None:
            return None
        row = (
            await conn.execute(
                select(columns.request_hash, columns[self.result_column]).where(
                    *(columns[name] == value for name, value in scope.items())
                )
            )
        ).one()
        return PriorRequest(fingerprint=row[0], result_id=row[1])

    async def complete(
        self, conn: AsyncConnection, scope: Mapping[str, object], result_id: uuid.UUID
    ) -> None:
        """Record what the key's request made, so a retry finds it."""
        columns = self.table.c
        await conn.execute(
            update(self.table)
            .where(*(columns[name] == value for name, value in scope.items()))
            .values({self.result_column: result_id})
        )
