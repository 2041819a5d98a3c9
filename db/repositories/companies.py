from __future__ import annotations

import uuid

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db.crypto import COMPANY_TAX_NUMBER, FieldCipher, tenant_schema
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


class SqlCompanyRepository:
    """`tax_number` is sealed on write, opened on read (db/crypto.py): the domain sees plaintext."""

    def __init__(self, conn: AsyncConnection, cipher: FieldCipher | None) -> None:
        self._conn = conn
        self._given_cipher = cipher

    @property
    def _tenant(self) -> str:
        return tenant_schema(self._conn)  # scopes each value to its tenant (AES-GCM AAD)

    @property
    def _cipher(self) -> FieldCipher:
        if self._given_cipher is None:  # fail closed: never write a tax number in plaintext
            raise RuntimeError("this unit of work has no FieldCipher; pass `cipher=`")
        return self._given_cipher

    def _values(self, company: Company) -> dict[str, object]:
        values = {f: getattr(company, f) for f in _FIELDS}
        sealed = COMPANY_TAX_NUMBER.seal(
            self._cipher, company.tax_number, tenant=self._tenant, row_id=company.id
        )
        return values | sealed

    async def add(self, company: Company) -> None:
        await self._conn.execute(insert(companies).values(self._values(company)))

    async def get_for_update(self, company_id: uuid.UUID) -> Company | None:
        row = (
            await self._conn.execute(
                select(*(companies.c[f] for f in _FIELDS))
                .where(companies.c.id == company_id)
                .with_for_update()
            )
        ).first()
        if row is None:
            return None
        return Company(
            **COMPANY_TAX_NUMBER.open_row(self._cipher, row._mapping, tenant=self._tenant)
        )

    async def save(self, company: Company, *, previous_version: int) -> None:
        values = self._values(company)
        del values["id"], values["created_at"], values["created_by"]
        result = await self._conn.execute(
            update(companies)
            .where(companies.c.id == company.id, companies.c.version == previous_version)
            .values(values)
        )
        if result.rowcount != 1:  # the row lock makes this unreachable unless bypassed
            raise Conflict("Company was changed by someone else; reload it and try again.")
