from __future__ import annotations

import strawberry

from domain.accounting import year_end
from domain.shared.errors import DomainError
from resolvers.command_ports import YEAR_END_READER
from resolvers.commands import run_command
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
        year, entry = await run_command(
            info, year_end.close_fiscal_year, command, reader=YEAR_END_READER
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
