"""Command handlers: one function per command, one transaction per call."""

from __future__ import annotations

from domain.accounting.templates import standard_chart
from domain.company.commands import CreateCompany, UpdateCompany
from domain.company.model import Company
from domain.company.ports import CompanyUnitOfWork
from domain.identity.access import AccessGrants, RecordFacts
from domain.identity.plans import TenantLimits, enforce_limit
from domain.shared.clock import utcnow
from domain.shared.errors import NotFound
from domain.shared.events import EventOrigin


async def create_company(
    cmd: CreateCompany,
    uow: CompanyUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    limits: TenantLimits,
) -> Company:
    grants.check("company", "create")
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
        await enforce_limit(uow.limits, limits, "maxCompanies")  # locks until commit
        await uow.companies.add(company)
        # Its chart of accounts comes into being with it, in the same transaction.
        await uow.accounts.add(
            standard_chart(cmd.chart_of_accounts, company.id, origin.user_id, company.created_at)
        )
        if not grants.all_companies:  # the creator may enter what they created
            await uow.access.set_company_access(
                origin.user_id, company.id, (), (), by=origin.user_id
            )
        uow.record(company.events)
        await uow.commit()
    return company


async def update_company(
    cmd: UpdateCompany, uow: CompanyUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Company:
    if not grants.can_enter(cmd.company_id):
        raise NotFound("Company")  # as if it did not exist: no probing for other companies
    async with uow:
        company = await uow.companies.get_for_update(cmd.company_id)
        if company is None:
            raise NotFound("Company")
        grants.check(
            "company",
            "update",
            company_id=company.id,
            facts=RecordFacts(owner_id=company.created_by),
        )
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
