from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import strawberry

from db.readmodels.accounting_reports import YearEndSqlReader
from db.unit_of_work import SqlUnitOfWork
from domain.accounting import year_end
from domain.shared.errors import DomainError
from resolvers.ids import parse_id
from schema.accounting.report_types import CloseFiscalYearInput, CloseFiscalYearPayload
from schema.accounting.types import PeriodError


async def close_fiscal_year(
    info: strawberry.Info, input: CloseFiscalYearInput
) -> CloseFiscalYearPayload:
    try:
        command = year_end.CloseFiscalYear(
            fiscal_year_id=parse_id(input.fiscal_year_id, "fiscalYearId", "fiscal year"),
            retained_earnings_account_id=parse_id(
                input.retained_earnings_account_id, "retainedEarningsAccountId", "account"
            ),
        )
        context = info.context
        origin = context.origin()
        uow = context.unit_of_work(origin)
        year, entry = await year_end.close_fiscal_year(
            command,
            uow,
            origin,
            context.grants,
            reader=_LazyReader(uow),
        )
    except DomainError as exc:
        return CloseFiscalYearPayload(
            closing_entry_id=None, closed_periods=0, errors=PeriodError.from_domain(exc.errors)
        )
    return CloseFiscalYearPayload(
        closing_entry_id=strawberry.ID(str(entry.id)) if entry is not None else None,
        closed_periods=len(year.period_ids),
        errors=[],
    )


class _LazyReader:
    """The reader on the unit of work's connection (open only inside `async with uow`)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def year(self, fiscal_year_id: uuid.UUID) -> year_end.YearFacts | None:
        return await YearEndSqlReader(self._uow.connection).year(fiscal_year_id)

    async def profit_and_loss(
        self, company_id: uuid.UUID, start: date, end: date
    ) -> dict[uuid.UUID, Decimal]:
        return await YearEndSqlReader(self._uow.connection).profit_and_loss(company_id, start, end)
