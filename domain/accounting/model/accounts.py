"""Accounts and the chart of accounts: types, subtypes, normal sides and the chart's rules."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.accounting.events import ACCOUNT_CREATED, ACCOUNT_UPDATED
from domain.accounting.model.common import ACCOUNT, CODE_MAX, CODE_PATTERN, NAME_MAX
from domain.shared.errors import Conflict, ErrorCode, ValidationErrors
from domain.shared.events import RecordedEvent


class Side(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    EXPENSE = "expense"

    @property
    def normal_side(self) -> Side:
        """The side on which a balance of this type normally sits (and increases)."""
        return Side.DEBIT if self in (AccountType.ASSET, AccountType.EXPENSE) else Side.CREDIT


class AccountSubtype(StrEnum):
    CURRENT_ASSET = "current_asset"
    NON_CURRENT_ASSET = "non_current_asset"
    BANK = "bank"
    CASH = "cash"
    RECEIVABLE = "receivable"
    INVENTORY = "inventory"
    PREPAYMENT = "prepayment"
    FIXED_ASSET = "fixed_asset"
    PAYABLE = "payable"
    TAX = "tax"
    CURRENT_LIABILITY = "current_liability"
    NON_CURRENT_LIABILITY = "non_current_liability"
    SHARE_CAPITAL = "share_capital"
    RETAINED_EARNINGS = "retained_earnings"
    OTHER_EQUITY = "other_equity"
    SALES = "sales"
    OTHER_INCOME = "other_income"
    COST_OF_SALES = "cost_of_sales"
    OPERATING_EXPENSE = "operating_expense"
    OTHER_EXPENSE = "other_expense"
    TAX_EXPENSE = "tax_expense"

    @property
    def account_type(self) -> AccountType:
        return SUBTYPE_TYPE[self]


_A, _L, _E, _R, _X = (
    AccountType.ASSET,
    AccountType.LIABILITY,
    AccountType.EQUITY,
    AccountType.REVENUE,
    AccountType.EXPENSE,
)
SUBTYPE_TYPE: Mapping[AccountSubtype, AccountType] = {
    AccountSubtype.CURRENT_ASSET: _A,
    AccountSubtype.NON_CURRENT_ASSET: _A,
    AccountSubtype.BANK: _A,
    AccountSubtype.CASH: _A,
    AccountSubtype.RECEIVABLE: _A,
    AccountSubtype.INVENTORY: _A,
    AccountSubtype.PREPAYMENT: _A,
    AccountSubtype.FIXED_ASSET: _A,
    AccountSubtype.PAYABLE: _L,
    AccountSubtype.TAX: _L,
    AccountSubtype.CURRENT_LIABILITY: _L,
    AccountSubtype.NON_CURRENT_LIABILITY: _L,
    AccountSubtype.SHARE_CAPITAL: _E,
    AccountSubtype.RETAINED_EARNINGS: _E,
    AccountSubtype.OTHER_EQUITY: _E,
    AccountSubtype.SALES: _R,
    AccountSubtype.OTHER_INCOME: _R,
    AccountSubtype.COST_OF_SALES: _X,
    AccountSubtype.OPERATING_EXPENSE: _X,
    AccountSubtype.OTHER_EXPENSE: _X,
    AccountSubtype.TAX_EXPENSE: _X,
}
assert set(SUBTYPE_TYPE) == set(AccountSubtype)

# Domain attribute -> the input field a client sends.
ACCOUNT_FIELDS = {
    "code": "code",
    "name": "name",
    "account_type": "type",
    "subtype": "subtype",
    "parent_id": "parentId",
    "is_active": "isActive",
}


@dataclass
class Account:
    id: uuid.UUID
    company_id: uuid.UUID
    code: str
    name: str
    account_type: AccountType
    subtype: AccountSubtype | None
    parent_id: uuid.UUID | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID
    updated_by: uuid.UUID
    version: int = 1
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    @property
    def normal_side(self) -> Side:
        return self.account_type.normal_side

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"

    def snapshot(self) -> dict[str, Any]:
        return {
            "companyId": str(self.company_id),
            "id": str(self.id),
            "code": self.code,
            "name": self.name,
            "type": self.account_type.name,
            "subtype": self.subtype.name if self.subtype else None,
            "parentId": str(self.parent_id) if self.parent_id else None,
            "isActive": self.is_active,
            "version": self.version,
        }

    def _public(self, attribute: str) -> Any:
        value = getattr(self, attribute)
        if isinstance(value, AccountType | AccountSubtype):
            return value.name
        if isinstance(value, uuid.UUID):
            return str(value)
        return value


class ChartOfAccounts:
    """One company's accounts, as much as a change needs to be checked: codes are unique,
    a parent is an account of the same company and type, and the tree has no cycles.

    The handler loads it under a per-company lock, so two concurrent changes cannot each pass
    these checks and together break them.
    """

    def __init__(self, company_id: uuid.UUID, accounts: Sequence[Account]) -> None:
        self.company_id = company_id
        self.accounts: dict[uuid.UUID, Account] = {a.id: a for a in accounts}

    def by_code(self, code: str) -> Account | None:
        wanted = code.casefold()
        return next((a for a in self.accounts.values() if a.code.casefold() == wanted), None)

    def open_account(
        self,
        *,
        code: str,
        name: str,
        account_type: AccountType,
        subtype: AccountSubtype | None,
        parent_id: uuid.UUID | None,
        actor: uuid.UUID,
        now: datetime,
        account_id: uuid.UUID | None = None,
        record_event: bool = True,
    ) -> Account:
        account = Account(
            id=account_id or uuid.uuid4(),
            company_id=self.company_id,
            code=(code or "").strip(),
            name=(name or "").strip(),
            account_type=account_type,
            subtype=subtype,
            parent_id=parent_id,
            is_active=True,
            created_at=now,
            updated_at=now,
            created_by=actor,
            updated_by=actor,
        )
        self._validate(account, has_postings=False, before=None)
        self.accounts[account.id] = account
        if record_event:
            account.events.append(
                RecordedEvent(ACCOUNT_CREATED, ACCOUNT, account.id, account.snapshot(), now)
            )
        return account

    def update_account(
        self,
        account: Account,
        *,
        expected_version: int,
        changes: Mapping[str, Any],
        has_postings: bool,
        actor: uuid.UUID,
        now: datetime,
    ) -> None:
        """A partial change (only the attributes the caller sent). A stale version conflicts."""
        if expected_version != account.version:
            raise Conflict(
                f"Account {account.code} was changed by someone else (version {account.version},"
                f" you sent {expected_version}); reload it and try again."
            )
        unknown = set(changes) - set(ACCOUNT_FIELDS)
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        proposed = dict(changes)
        for key in ("code", "name"):
            if isinstance(proposed.get(key), str):
                proposed[key] = proposed[key].strip()
        if (
            "account_type" in proposed
            and proposed["account_type"] != account.account_type
            and "subtype" not in proposed
            and account.subtype is not None
        ):
            proposed["subtype"] = None  # the old subtype belongs to the old type
        candidate = replace(account, **proposed, events=[])
        changed = {
            k: v for k, v in proposed.items() if getattr(account, k) != getattr(candidate, k)
        }
        if not changed:
            return
        self._validate(candidate, has_postings=has_postings, before=account)
        before = {k: account._public(k) for k in changed}
        for key in changed:
            setattr(account, key, getattr(candidate, key))
        account.version += 1
        account.updated_at = now
        account.updated_by = actor
        account.events.append(
            RecordedEvent(
                ACCOUNT_UPDATED,
                ACCOUNT,
                account.id,
                {
                    "companyId": str(account.company_id),
                    "version": account.version,
                    "changes": {
                        ACCOUNT_FIELDS[k]: {"before": before[k], "after": account._public(k)}
                        for k in changed
                    },
                },
                now,
            )
        )

    def _validate(self, account: Account, *, has_postings: bool, before: Account | None) -> None:
        errors = ValidationErrors()
        code, name = account.code, account.name
        if not code:
            errors.add("code", "Code is required.", ErrorCode.REQUIRED)
        elif len(code) > CODE_MAX or not CODE_PATTERN.match(code):
            errors.add(
                "code",
                f"Code: at most {CODE_MAX} letters, digits, '.', '_' or '-', "
                "starting with a letter or digit.",
            )
        else:
            holder = self.by_code(code)
            if holder is not None and holder.id != account.id:
                errors.add(
                    "code", f"Code {code} is already used by {holder.label}.", ErrorCode.DUPLICATE
                )
        if not name:
            errors.add("name", "Name is required.", ErrorCode.REQUIRED)
        elif len(name) > NAME_MAX:
            errors.add("name", f"Name is longer than {NAME_MAX} characters.")
        if account.subtype is not None and account.subtype.account_type != account.account_type:
            errors.add(
                "subtype",
                f"Subtype {account.subtype.name} belongs to {account.subtype.account_type.name}"
                f" accounts, not {account.account_type.name}.",
            )
        if before is not None and before.account_type != account.account_type:
            if has_postings:
                errors.add(
                    "type",
                    f"{before.label} has postings: its type cannot change "
                    "(deactivate it and open a new account instead).",
                )
            children = [
                c
                for c in self.accounts.values()
                if c.parent_id == account.id and c.account_type != account.account_type
            ]
            if children:
                errors.add(
                    "type",
                    f"{before.label} has sub-accounts of type {before.account_type.name} "
                    f"({', '.join(c.code for c in children[:5])}); move them first.",
                )
        self._check_parent(account, errors)
        errors.raise_if_any()

    def _check_parent(self, account: Account, errors: ValidationErrors) -> None:
        if account.parent_id is None:
            return
        parent = self.accounts.get(account.parent_id)
        if parent is None or parent.company_id != account.company_id:
            errors.add("parentId", "No such parent account in this company.", ErrorCode.NOT_FOUND)
            return
        if parent.account_type != account.account_type:
            errors.add(
                "parentId",
                f"A {account.account_type.name} account cannot sit under {parent.label}, "
                f"a {parent.account_type.name} account.",
            )
        seen: set[uuid.UUID] = set()
        current: Account | None = parent
        while current is not None and current.id not in seen:
            if current.id == account.id:
                errors.add(
                    "parentId",
                    f"{parent.label} is {account.label} itself or one of its sub-accounts: "
                    "that would make a cycle.",
                )
                return
            seen.add(current.id)
            current = self.accounts.get(current.parent_id) if current.parent_id else None
