"""Sales model: the accounts sales posts to, by role (receivable, sales, tax, ...)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from domain.shared.errors import DomainError, ErrorCode


class AccountRole(StrEnum):
    """What a sales posting books to; each has a default account code in the chart template and
    may be mapped to another account per company (sales_account_settings)."""

    RECEIVABLE = "receivable"
    SALES = "sales"
    SERVICE = "service"
    RETURNS = "returns"
    TAX = "tax"
    ADVANCES = "advances"
    FX_GAIN = "fx_gain"
    FX_LOSS = "fx_loss"
    COGS = "cogs"


DEFAULT_ACCOUNT_CODES: Mapping[AccountRole, str] = {
    AccountRole.RECEIVABLE: "1200",
    AccountRole.SALES: "4100",
    AccountRole.SERVICE: "4110",
    AccountRole.RETURNS: "4120",
    AccountRole.TAX: "2200",
    AccountRole.ADVANCES: "2130",
    AccountRole.FX_GAIN: "4920",
    AccountRole.FX_LOSS: "6800",
    AccountRole.COGS: "5110",
}


ROLE_ACCOUNT_TYPES: Mapping[AccountRole, str] = {
    AccountRole.RECEIVABLE: "asset",
    AccountRole.SALES: "revenue",
    AccountRole.SERVICE: "revenue",
    AccountRole.RETURNS: "revenue",
    AccountRole.TAX: "liability",
    AccountRole.ADVANCES: "liability",
    AccountRole.FX_GAIN: "revenue",
    AccountRole.FX_LOSS: "expense",
    AccountRole.COGS: "expense",
}


@dataclass(frozen=True)
class SalesAccounts:
    by_role: Mapping[AccountRole, uuid.UUID]

    def __getitem__(self, role: AccountRole) -> uuid.UUID:
        account = self.by_role.get(role)
        if account is None:
            code = DEFAULT_ACCOUNT_CODES[role]
            raise DomainError.single(
                ErrorCode.INVALID,
                f"The company has no account for {role.value} (default code {code}); add the "
                f"account or map the role to one.",
                "companyId",
            )
        return account


def resolve_accounts(
    chart_by_code: Mapping[str, uuid.UUID], overrides: Mapping[str, uuid.UUID]
) -> SalesAccounts:
    return SalesAccounts(
        {
            role: overrides.get(role.value) or chart_by_code.get(code)  # type: ignore[misc]
            for role, code in DEFAULT_ACCOUNT_CODES.items()
            if overrides.get(role.value) or chart_by_code.get(code)
        }
    )
