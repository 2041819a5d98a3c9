from __future__ import annotations

import strawberry

from domain.company import handlers
from domain.company.commands import UpdateCompany
from domain.company.model import INPUT_FIELD
from domain.shared.errors import DomainError, NotFound
from resolvers.commands import run_command
from resolvers.ids import uuid_of
from schema.company.types import (
    Company,
    UpdateCompanyError,
    UpdateCompanyInput,
    UpdateCompanyPayload,
)


async def update_company(info: strawberry.Info, input: UpdateCompanyInput) -> UpdateCompanyPayload:
    company_id = uuid_of(input.id)
    if company_id is None:  # names no company: the same answer as an unknown one
        return UpdateCompanyPayload(
            company=None, errors=UpdateCompanyError.from_domain(NotFound("Company").errors)
        )
    changes = {
        attribute: getattr(input, attribute)
        for attribute in INPUT_FIELD
        if getattr(input, attribute) is not strawberry.UNSET
    }
    command = UpdateCompany(company_id=company_id, expected_version=input.version, changes=changes)
    try:
        company = await run_command(info, handlers.update_company, command)
    except DomainError as exc:
        return UpdateCompanyPayload(company=None, errors=UpdateCompanyError.from_domain(exc.errors))
    return UpdateCompanyPayload(company=Company.from_row(company), errors=[])
