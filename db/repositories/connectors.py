"""Connectors for the command side and the run. Credentials are sealed on write and opened on
read (db/crypto.py): the domain sees them in clear, the table never does."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db.crypto import CONNECTOR_CREDENTIALS, FieldCipher, tenant_schema
from db.tables.connectors import connectors
from db.tables.currency import exchange_rates
from db.tables.tenant import companies
from domain.connectors.model import Connector, ConnectorKind, Schedule

_PLAIN = (
    "id",
    "company_id",
    "name",
    "settings",
    "enabled",
    "state",
    "last_job_id",
    "last_run_at",
    "created_by",
    "created_at",
    "updated_at",
)


def connector_of(row: Any, credentials: dict[str, str] | None) -> Connector:
    m = row._mapping
    return Connector(
        id=m["id"],
        company_id=m["company_id"],
        kind=ConnectorKind(m["kind"]),
        name=m["name"],
        settings=dict(m["settings"]),
        credentials=credentials,
        enabled=m["enabled"],
        schedule=Schedule(m["schedule"]),
        created_by=m["created_by"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        state=dict(m["state"] or {}),
        last_job_id=m["last_job_id"],
        last_run_at=m["last_run_at"],
    )


class SqlConnectorRepository:
    def __init__(self, conn: AsyncConnection, cipher: FieldCipher | None) -> None:
        self._conn = conn
        self._given_cipher = cipher

    @property
    def _cipher(self) -> FieldCipher:
        if self._given_cipher is None:  # fail closed: never write credentials in plaintext
            raise RuntimeError("this unit of work has no FieldCipher; pass `cipher=`")
        return self._given_cipher

    def _values(self, connector: Connector) -> dict[str, Any]:
        values: dict[str, Any] = {f: getattr(connector, f) for f in _PLAIN}
        values["kind"], values["schedule"] = str(connector.kind), str(connector.schedule)
        plain = json.dumps(connector.credentials) if connector.credentials else None
        values |= CONNECTOR_CREDENTIALS.seal(
            self._cipher, plain, tenant=tenant_schema(self._conn), row_id=connector.id
        )
        return values

    def _of(self, row: Any) -> Connector:
        opened = CONNECTOR_CREDENTIALS.open(
            self._cipher,
            row._mapping["credentials"],
            tenant=tenant_schema(self._conn),
            row_id=row._mapping["id"],
        )
        return connector_of(row, json.loads(opened) if opened else None)

    async def add(self, connector: Connector) -> None:
        await self._conn.execute(insert(connectors).values(self._values(connector)))

    async def get(self, connector_id: uuid.UUID, *, for_update: bool = False) -> Connector | None:
        query = select(connectors).where(connectors.c.id == connector_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return self._of(row) if row is not None else None

    async def save(self, connector: Connector) -> None:
        values = self._values(connector)
        del values["id"]
        await self._conn.execute(
            update(connectors).where(connectors.c.id == connector.id).values(values)
        )

    async def delete(self, connector_id: uuid.UUID) -> None:
        await self._conn.execute(delete(connectors).where(connectors.c.id == connector_id))

    async def company_currency(self, company_id: uuid.UUID) -> str | None:
        found = await self._conn.execute(
            select(companies.c.currency_code).where(companies.c.id == company_id)
        )
        return found.scalar_one_or_none()

    async def name_taken(
        self, company_id: uuid.UUID, name: str, *, other_than: uuid.UUID | None = None
    ) -> bool:
        condition = (connectors.c.company_id == company_id) & (connectors.c.name == name)
        if other_than is not None:
            condition &= connectors.c.id != other_than
        return bool((await self._conn.execute(select(exists().where(condition)))).scalar())

    async def rates_of_day(
        self, company_id: uuid.UUID, day: date, currencies: Sequence[str]
    ) -> dict[str, Decimal]:
        rows = await self._conn.execute(
            select(exchange_rates.c.from_currency, exchange_rates.c.rate).where(
                exchange_rates.c.company_id == company_id,
                exchange_rates.c.effective_date == day,
                exchange_rates.c.from_currency.in_(list(currencies)),
            )
        )
        return {r.from_currency: r.rate for r in rows}

    async def scheduled(self) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(connector id, its creator) of every enabled connector on the daily schedule."""
        rows = await self._conn.execute(
            select(connectors.c.id, connectors.c.created_by).where(
                connectors.c.enabled, connectors.c.schedule == str(Schedule.DAILY)
            )
        )
        return [(r.id, r.created_by) for r in rows]


class UnitOfWorkConnectors:
    """Connectors on a unit of work's connection (open only inside `async with uow`, so the
    repository is built at each call), in the command's own transaction."""

    def __init__(self, uow: Any) -> None:
        self._uow = uow

    def _repo(self) -> SqlConnectorRepository:
        return SqlConnectorRepository(self._uow.connection, self._uow.cipher)

    async def add(self, connector: Connector) -> None:
        await self._repo().add(connector)

    async def get(self, connector_id: uuid.UUID, *, for_update: bool = False) -> Connector | None:
        return await self._repo().get(connector_id, for_update=for_update)

    async def save(self, connector: Connector) -> None:
        await self._repo().save(connector)

    async def delete(self, connector_id: uuid.UUID) -> None:
        await self._repo().delete(connector_id)

    async def company_currency(self, company_id: uuid.UUID) -> str | None:
        return await self._repo().company_currency(company_id)

    async def name_taken(
        self, company_id: uuid.UUID, name: str, *, other_than: uuid.UUID | None = None
    ) -> bool:
        return await self._repo().name_taken(company_id, name, other_than=other_than)

    async def rates_of_day(
        self, company_id: uuid.UUID, day: date, currencies: Sequence[str]
    ) -> dict[str, Decimal]:
        return await self._repo().rates_of_day(company_id, day, currencies)


async def connectors_of(
    conn: AsyncConnection, companies_: set[uuid.UUID] | None, company_id: uuid.UUID | None
) -> list[tuple[Connector, bool]]:
    """The query side: each connector and whether it has credentials (left sealed: the API
    never shows them), by company then name. `companies_` None: every company."""
    query = select(*[c for c in connectors.c if c.name != "credentials"]).add_columns(
        connectors.c.credentials.isnot(None).label("has_credentials")
    )
    if companies_ is not None:
        query = query.where(connectors.c.company_id.in_(list(companies_)))
    if company_id is not None:
        query = query.where(connectors.c.company_id == company_id)
    rows = await conn.execute(query.order_by(connectors.c.company_id, connectors.c.name))
    return [(connector_of(r, None), bool(r.has_credentials)) for r in rows]
