from __future__ import annotations

import strawberry

from domain.accounting import handlers
from domain.accounting.commands import CreateFiscalYear
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.accounting.types import (
    CreateFiscalYearInput,
    FiscalYear,
    FiscalYearError,
    FiscalYearPayload,
)


async def create_fiscal_year(
    info: strawberry.Info, input: CreateFiscalYearInput
) -> FiscalYearPayload:
    try:
        command = CreateFiscalYear(
            company_id=parse_id(input.company_id, "companyId", "company"),
            start_date=input.start_date,
            end_date=input.end_date,
            name=input.name,
        )
        year = await run_command(info, handlers.create_fiscal_year, command)
    except DomainError as exc:
        return FiscalYearPayload(fiscal_year=None, errors=FiscalYearError.from_domain(exc.errors))
    return FiscalYearPayload(fiscal_year=FiscalYear.of(year), errors=[])
