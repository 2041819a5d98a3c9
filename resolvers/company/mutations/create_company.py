from __future__ import annotations

import strawberry

from domain.company import handlers
from domain.company.commands import CreateCompany
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from schema.company.types import (
    Company,
    CreateCompanyError,
    CreateCompanyInput,
    CreateCompanyPayload,
)


async def create_company(info: strawberry.Info, input: CreateCompanyInput) -> CreateCompanyPayload:
    context = info.context
    command = CreateCompany(
        name=input.name,
        registration_number=input.registration_number,
        tax_number=input.tax_number,
        currency_code=input.currency_code,
        timezone=input.timezone,
        chart_of_accounts=input.chart_of_accounts,
    )
    try:
        company = await run_command(info, handlers.create_company, command, limits=context.limits)
    except DomainError as exc:
        return CreateCompanyPayload(company=None, errors=CreateCompanyError.from_domain(exc.errors))
    return CreateCompanyPayload(company=Company.from_row(company), errors=[])
