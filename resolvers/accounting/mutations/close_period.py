from __future__ import annotations

import strawberry

from domain.accounting import handlers
from domain.accounting.commands import ClosePeriod
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.accounting.types import FiscalPeriod, PeriodError, PeriodInput, PeriodPayload


async def close_period(info: strawberry.Info, input: PeriodInput) -> PeriodPayload:
    try:
        command = ClosePeriod(period_id=parse_id(input.id, "id", "fiscal period"))
        period = await run_command(info, handlers.close_period, command)
    except DomainError as exc:
        return PeriodPayload(period=None, errors=PeriodError.from_domain(exc.errors))
    return PeriodPayload(period=FiscalPeriod.of(period), errors=[])
