"""Command handlers: one function per command, one transaction per call."""

from __future__ import annotations

from domain.company.commands import CreateCompany, UpdateCompany
from domain.company.model import Company
from domain.company.ports import CompanyUnitOfWork
from domain.shared.clock import utcnow
from domain.shared.errors import NotFound
from domain.shared.events import EventOrigin


async def create_company(
    cmd: CreateCompany, uow: CompanyUnitOfWork, origin: EventOrigin
) -> Company:
    company = Company.register(
        name=cmd.name,
        registration_number=cmd.registration_number,
        tax_number=cmd.tax_number,
        currency_code=cmd.currency_code,
        timezone=cmd.timezone,
        actor=origin.user_id,
        now=utcnow(),
    )
    async with uow:
        await uow.companies.add(company)
        uow.record(company.events)
        await uow.commit()
    return company


async def update_company(
    cmd: UpdateCompany, uow: CompanyUnitOfWork, origin: EventOrigin
) -> Company:
    async with uow:
        company = await uow.companies.get_for_update(cmd.company_id)
        if company is None:
            raise NotFound("Company")
        previous_version = company.version
        company.update(
            expected_version=cmd.expected_version,
            changes=cmd.changes,
            actor=origin.user_id,
            now=utcnow(),
        )
        if company.version != previous_version:
            await uow.companies.save(company, previous_version=previous_version)
            uow.record(company.events)
            await uow.commit()
    return company
