from __future__ import annotations

import strawberry

from domain.accounting import handlers
from domain.accounting.commands import CreateAccount
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.accounting.types import Account, AccountError, AccountPayload, CreateAccountInput


async def create_account(info: strawberry.Info, input: CreateAccountInput) -> AccountPayload:
    try:
        command = CreateAccount(
            company_id=parse_id(input.company_id, "companyId", "company"),
            code=input.code,
            name=input.name,
            account_type=input.type,
            subtype=input.subtype,
            parent_id=(
                parse_id(input.parent_id, "parentId", "account") if input.parent_id else None
            ),
        )
        account = await run_command(info, handlers.create_account, command)
    except DomainError as exc:
        return AccountPayload(account=None, errors=AccountError.from_domain(exc.errors))
    return AccountPayload(account=Account.of(account), errors=[])
