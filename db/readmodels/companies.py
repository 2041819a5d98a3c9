from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import false, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from db.crypto import COMPANY_TAX_NUMBER, FieldCipher, normalise, tenant_schema
from db.tables.tenant import companies

CompanyRow = dict[str, Any]  # the row's columns, `tax_number` decrypted, no index column

_COLUMNS = [c for c in companies.c if c.name != COMPANY_TAX_NUMBER.index_column]


async def companies_by_id(
    engine: AsyncEngine, ids: Sequence[uuid.UUID], cipher: FieldCipher
) -> dict[uuid.UUID, CompanyRow]:
    tenant = tenant_schema(engine)
    async with engine.connect() as conn:
        rows = await conn.execute(select(*_COLUMNS).where(companies.c.id.in_(ids)))
        return {r.id: COMPANY_TAX_NUMBER.open_row(cipher, r._mapping, tenant=tenant) for r in rows}


async def companies_page(
    engine: AsyncEngine,
    *,
    first: int,
    after: tuple[datetime, uuid.UUID] | None,
    visible: Collection[uuid.UUID] | None = None,
    cipher: FieldCipher,
    tax_number: str | None = None,
) -> list[CompanyRow]:
    """Keyset page in creation order; fetches one extra row to tell if there is a next page.
    `visible` limits it to those companies (None: all of the tenant's); `tax_number` to the
    ones with exactly that tax number (trimmed, case-insensitive), found by its blind index."""
    tenant = tenant_schema(engine)
    query = select(*_COLUMNS).order_by(companies.c.created_at, companies.c.id).limit(first + 1)
    if visible is not None:
        query = query.where(companies.c.id.in_(list(visible)))
    if after is not None:
        query = query.where(tuple_(companies.c.created_at, companies.c.id) > tuple_(*after))
    if tax_number is not None:
        query = query.where(
            companies.c.tax_number_index == COMPANY_TAX_NUMBER.digest(cipher, tax_number, tenant)
            if normalise(tax_number)
            else false()  # blank: nothing is stored blank
        )
    async with engine.connect() as conn:
        return [
            COMPANY_TAX_NUMBER.open_row(cipher, r._mapping, tenant=tenant)
            for r in await conn.execute(query)
        ]
