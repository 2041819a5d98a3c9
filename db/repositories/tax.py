"""Tax codes of a company (one unit of work's connection)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.tables.sales import sales_settings
from db.tables.tax import tax_codes
from db.tables.tenant import companies
from domain.tax.model import TaxCode, TaxKind, TaxRounding, default_codes_for


def tax_code_from_row(row: Any) -> TaxCode:
    return TaxCode(
        id=row.id,
        company_id=row.company_id,
        code=row.code,
        name=row.name,
        rate=row.rate,
        account_id=row.account_id,
        is_active=row.is_active,
        kind=TaxKind(row.kind),
    )


async def company_tax_codes(conn: AsyncConnection, company_id: uuid.UUID) -> dict[str, TaxCode]:
    rows = await conn.execute(select(tax_codes).where(tax_codes.c.company_id == company_id))
    return {r.code: tax_code_from_row(r) for r in rows}


class SqlTaxCodeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def for_company(self, company_id: uuid.UUID) -> dict[str, TaxCode]:
        found = await company_tax_codes(self._conn, company_id)
        if found:
            return found
        known = await self._conn.execute(select(companies.c.id).where(companies.c.id == company_id))
        if known.first() is None:  # no such company in this tenant: nothing to seed
            return {}
        # First use: seed the defaults. ON CONFLICT makes a concurrent first use harmless; no
        # conflict target, because a default's id is derived from (company, code): two
        # concurrent seeds collide on the primary key as well as on (company_id, code).
        defaults = default_codes_for(company_id)
        await self._conn.execute(
            pg_insert(tax_codes)
            .values(
                [
                    {
                        "id": c.id,
                        "company_id": c.company_id,
                        "code": c.code,
                        "name": c.name,
                        "rate": c.rate,
                        "kind": c.kind.value,
                        "account_id": c.account_id,
                        "is_active": c.is_active,
                    }
                    for c in defaults
                ]
            )
            .on_conflict_do_nothing()
        )
        return await company_tax_codes(self._conn, company_id)

    async def rounding(self, company_id: uuid.UUID) -> TaxRounding:
        mode = (
            await self._conn.execute(
                select(sales_settings.c.tax_rounding).where(
                    sales_settings.c.company_id == company_id
                )
            )
        ).scalar_one_or_none()
        return TaxRounding(mode) if mode else TaxRounding.HALF_UP

    async def set_rounding(self, company_id: uuid.UUID, rounding: TaxRounding) -> None:
        statement = pg_insert(sales_settings).values(
            company_id=company_id, tax_rounding=rounding.value
        )
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=["company_id"], set_={"tax_rounding": rounding.value}
            )
        )
