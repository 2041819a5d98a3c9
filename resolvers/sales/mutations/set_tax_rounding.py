from __future__ import annotations

import strawberry

from domain.sales import handlers
from domain.sales.commands import SetTaxRounding
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.sales.types import SalesAccountError, SetTaxRoundingInput, TaxRoundingPayload


async def set_tax_rounding(info: strawberry.Info, input: SetTaxRoundingInput) -> TaxRoundingPayload:
    try:
        command = SetTaxRounding(
            company_id=parse_id(input.company_id, "companyId", "company"), rounding=input.rounding
        )
        rounding = await run_command(info, handlers.set_tax_rounding, command)
    except DomainError as exc:
        return TaxRoundingPayload(rounding=None, errors=SalesAccountError.from_domain(exc.errors))
    return TaxRoundingPayload(rounding=rounding, errors=[])
