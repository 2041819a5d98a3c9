from __future__ import annotations

from typing import Any

import strawberry

from domain.accounting import handlers
from domain.accounting.commands import UpdateAccount
from domain.shared.errors import DomainError, ErrorCode
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.accounting.types import Account, AccountError, AccountPayload, UpdateAccountInput

# Input field -> domain attribute.
_FIELDS = {
    "code": "code",
    "name": "name",
    "type": "account_type",
    "subtype": "subtype",
    "parent_id": "parent_id",
    "is_active": "is_active",
}
_NOT_NULL = {"code": "code", "name": "name", "type": "type", "is_active": "isActive"}


async def update_account(info: strawberry.Info, input: UpdateAccountInput) -> AccountPayload:
    try:
        changes: dict[str, Any] = {}
        for field, attribute in _FIELDS.items():
            value = getattr(input, field)
            if value is strawberry.UNSET:
                continue
            if value is None and field in _NOT_NULL:
                raise DomainError.single(ErrorCode.REQUIRED, "Cannot be null.", _NOT_NULL[field])
            if field == "parent_id" and value is not None:
                value = parse_id(value, "parentId", "account")
            changes[attribute] = value
        command = UpdateAccount(
            account_id=parse_id(input.id, "id", "account"),
            expected_version=input.version,
            changes=changes,
        )
        account = await run_command(info, handlers.update_account, command)
    except DomainError as exc:
        return AccountPayload(account=None, errors=AccountError.from_domain(exc.errors))
    return AccountPayload(account=Account.of(account), errors=[])
