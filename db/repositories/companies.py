from __future__ import annotations

import uuid

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db.tables.tenant import companies
from domain.company.model import Company
from domain.shared.errors import Conflict

_FIELDS = (
    "id",
    "name",
    "registration_number",
    "tax_number",
    "currency_code",
    "timezone",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "version",
)


def _values(company: Company) -> dict[str, object]:
    return {f: getattr(company, f) for f in _FIELDS}


class SqlCompanyRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, company: Company) -> None:
        await self._conn.execute(insert(companies).values(_values(company)))

    async def get_for_update(self, company_id: uuid.UUID) -> Company | None:
        row = (
            await self._conn.execute(
                select(companies).where(companies.c.id == company_id).with_for_update()
            )
        ).first()
        return Company(**row._mapping) if row else None

    async def save(self, company: Company, *, previous_version: int) -> None:
        values = _values(company)
        del values["id"], values["created_at"], values["created_by"]
        result = await self._conn.execute(
            update(companies)
            .where(companies.c.id == company.id, companies.c.version == previous_version)
            .values(values)
        )
        if result.rowcount != 1:  # the row lock makes this unreachable unless bypassed
            raise Conflict("Company was changed by someone else; reload it and try again.")
