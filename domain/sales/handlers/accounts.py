"""Sales handlers: which ledger account each sales role posts to, and the tax rounding rule."""

from __future__ import annotations

from domain.accounting.handlers import company_currency
from domain.identity.access import AccessGrants
from domain.sales.commands import (
    SetSalesAccount,
    SetTaxRounding,
)
from domain.sales.model import (
    ROLE_ACCOUNT_TYPES,
    SalesAccounts,
)
from domain.sales.ports import SalesUnitOfWork
from domain.shared.errors import (
    DomainError,
    ErrorCode,
    NotFound,
)
from domain.shared.events import EventOrigin
from domain.tax.model import TaxRounding


async def set_sales_account(
    cmd: SetSalesAccount, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> SalesAccounts:
    """Map a posting role (receivable, sales, tax, ...) to another account of the company, or
    back to its default code's account. Returns the company's accounts as mapped now."""
    if not grants.can_enter(cmd.company_id):
        raise NotFound("Company", "companyId")
    grants.check("account", "update", company_id=cmd.company_id)
    async with uow:
        await company_currency(uow, cmd.company_id)
        if cmd.account_id is not None:
            account = (await uow.accounts.get_many([cmd.account_id])).get(cmd.account_id)
            if account is None or account.company_id != cmd.company_id:
                raise NotFound("Account", "accountId")
            expected = ROLE_ACCOUNT_TYPES[cmd.role]
            if not account.is_active or account.account_type.value != expected:
                raise DomainError.single(
                    ErrorCode.INVALID,
                    f"The {cmd.role.value} role posts to an active {expected} account.",
                    "accountId",
                )
        await uow.sales_documents.map_account(cmd.company_id, cmd.role.value, cmd.account_id)
        accounts = await uow.sales_documents.accounts(cmd.company_id)
        await uow.commit()
    return accounts


async def set_tax_rounding(
    cmd: SetTaxRounding, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> TaxRounding:
    """How the company rounds each line's tax from now on (documents already made keep theirs)."""
    if not grants.can_enter(cmd.company_id):
        raise NotFound("Company", "companyId")
    grants.check("account", "update", company_id=cmd.company_id)
    async with uow:
        await company_currency(uow, cmd.company_id)
        await uow.tax_codes.set_rounding(cmd.company_id, cmd.rounding)
        await uow.commit()
    return cmd.rounding
