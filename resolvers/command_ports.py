"""Adapters some handlers take beside the unit of work, built on it by `run_command`.

The unit of work carries the repositories of the contexts' aggregates; these are the few ports
it does not carry (yet). A resolver names one (`keys=API_KEYS`) instead of building the adapter.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from db.api_keys import SqlApiKeyRepository
from db.readmodels.accounting_reports import YearEndSqlReader
from db.repositories.banking import banking_repository
from db.unit_of_work import SqlUnitOfWork
from domain.accounting.year_end import YearFacts
from resolvers.commands import UnitOfWorkPort


class _YearEndReader:
    """The year-end reader on the unit of work's connection (open only inside `async with
    uow`, so the SQL reader is built at each call)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def year(self, fiscal_year_id: uuid.UUID) -> YearFacts | None:
        return await YearEndSqlReader(self._uow.connection).year(fiscal_year_id)

    async def profit_and_loss(
        self, company_id: uuid.UUID, start: date, end: date
    ) -> dict[uuid.UUID, Decimal]:
        return await YearEndSqlReader(self._uow.connection).profit_and_loss(company_id, start, end)


# The tenant's API keys (a shared table reached on the tenant's connection).
API_KEYS = UnitOfWorkPort(lambda uow, origin: SqlApiKeyRepository(uow, origin.tenant_id))
# The fiscal year's facts and its profit and loss, for closeFiscalYear.
YEAR_END_READER = UnitOfWorkPort(lambda uow, origin: _YearEndReader(uow))
# Bank statements, lines and matches (a banking command's own repository).
BANKING = UnitOfWorkPort(banking_repository)
