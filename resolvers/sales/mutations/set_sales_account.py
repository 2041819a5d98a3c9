from __future__ import annotations

import strawberry

from domain.sales import handlers
from domain.sales.commands import SetSalesAccount
from domain.sales.model import AccountRole, SalesAccounts
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.sales.types import (
    SalesAccount,
    SalesAccountError,
    SalesAccountsPayload,
    SetSalesAccountInput,
)


def sales_accounts(accounts: SalesAccounts) -> list[SalesAccount]:
    return [
        SalesAccount(
            role=role,
            account_id=strawberry.ID(str(accounts.by_role[role]))
            if role in accounts.by_role
            else None,
        )
        for role in AccountRole
    ]


async def set_sales_account(
    info: strawberry.Info, input: SetSalesAccountInput
) -> SalesAccountsPayload:
    try:
        command = SetSalesAccount(
            company_id=parse_id(input.company_id, "companyId", "company"),
            role=input.role,
            account_id=parse_id(input.account_id, "accountId", "account")
            if input.account_id is not None
            else None,
        )
        accounts = await run_command(info, handlers.set_sales_account, command)
    except DomainError as exc:
        return SalesAccountsPayload(accounts=None, errors=SalesAccountError.from_domain(exc.errors))
    return SalesAccountsPayload(accounts=sales_accounts(accounts), errors=[])
