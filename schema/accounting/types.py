"""Accounting types: accounts, the account tree, fiscal years and periods, journal entries,
the trial balance; their inputs, payloads and errors. Amounts are `Money` (decimal strings);
exchange rates are `Decimal` (decimal strings, up to 10 places)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self

import strawberry

from domain.accounting import model
from domain.accounting.model import (
    AccountSubtype,
    AccountType,
    EntryKind,
    EntryStatus,
    PeriodStatus,
    Side,
)
from domain.accounting.templates import ChartTemplate
from schema.errors import UserError
from schema.limits import bounded_list
from schema.relay import PageInfo
from schema.scalars import Money

strawberry.enum(AccountType, name="AccountType", description="What an account records.")
strawberry.enum(
    AccountSubtype,
    name="AccountSubtype",
    description="A finer grouping; each subtype belongs to one account type.",
)
strawberry.enum(Side, name="BalanceSide", description="Debit or credit.")
strawberry.enum(
    PeriodStatus,
    name="PeriodStatus",
    description="OPEN takes postings; CLOSED does not (reopening needs period:reopen); "
    "LOCKED never reopens.",
)
strawberry.enum(
    EntryStatus,
    name="JournalEntryStatus",
    description="DRAFT -> POSTED -> REVERSED. Posted entries never change.",
)
strawberry.enum(
    EntryKind,
    name="JournalEntryKind",
    description="What made the entry: STANDARD (any posting), or YEAR_END_CLOSING (posted by "
    "closeFiscalYear only; the income statement leaves it out).",
)
strawberry.enum(
    ChartTemplate,
    name="ChartOfAccountsTemplate",
    description="The chart a new company starts with: MALAYSIAN_SME (about fifty accounts "
    "in the usual Malaysian layout) or EMPTY.",
)


def _id(value: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def _money(value: Decimal) -> Money:
    return Money(value.quantize(model.AMOUNT_QUANTUM))


def _rate(value: Decimal) -> Decimal:
    """As entered, without the column's trailing zeros: 4.7, not 4.7000000000."""
    text = format(value, "f")
    return Decimal(text.rstrip("0").rstrip(".") if "." in text else text)


@strawberry.type(description="An account of a company's chart of accounts.")
class Account:
    id: strawberry.ID
    company_id: strawberry.ID
    code: str
    name: str
    type: AccountType
    subtype: AccountSubtype | None
    normal_balance: Side = strawberry.field(
        description="The side a balance of this account normally sits on."
    )
    parent_id: strawberry.ID | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int = strawberry.field(description="Send it back with updateAccount.")

    @classmethod
    def of(cls, account: model.Account) -> Self:
        return cls(
            id=strawberry.ID(str(account.id)),
            company_id=strawberry.ID(str(account.company_id)),
            code=account.code,
            name=account.name,
            type=account.account_type,
            subtype=account.subtype,
            normal_balance=account.normal_side,
            parent_id=_id(account.parent_id),
            is_active=account.is_active,
            created_at=account.created_at,
            updated_at=account.updated_at,
            version=account.version,
        )


@strawberry.type
class AccountEdge:
    cursor: str
    node: Account


@strawberry.type
class AccountConnection:
    edges: list[AccountEdge]
    page_info: PageInfo


@strawberry.type(
    description="An account in the chart's tree with its posted totals to date, its "
    "sub-accounts' included (rolled up). The tree comes as a list in depth-first order: each "
    "node follows its parent (`account.parentId`), `depth` 0 for top-level accounts."
)
class AccountNode:
    account: Account
    depth: int
    debit: Money
    credit: Money
    net: Money = strawberry.field(description="debit - credit.")
    balance: Money = strawberry.field(
        description="The net on the account's normal side (credit - debit for liability, "
        "equity and revenue accounts)."
    )


@strawberry.type
class FiscalPeriod:
    id: strawberry.ID
    fiscal_year_id: strawberry.ID
    company_id: strawberry.ID
    number: int
    start_date: date
    end_date: date
    status: PeriodStatus
    version: int

    @classmethod
    def of(cls, period: model.FiscalPeriod) -> Self:
        return cls(
            id=strawberry.ID(str(period.id)),
            fiscal_year_id=strawberry.ID(str(period.fiscal_year_id)),
            company_id=strawberry.ID(str(period.company_id)),
            number=period.number,
            start_date=period.start_date,
            end_date=period.end_date,
            status=period.status,
            version=period.version,
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=strawberry.ID(str(row["id"])),
            fiscal_year_id=strawberry.ID(str(row["fiscal_year_id"])),
            company_id=strawberry.ID(str(row["company_id"])),
            number=row["period_number"],
            start_date=row["start_date"],
            end_date=row["end_date"],
            status=PeriodStatus(row["status"]),
            version=row["version"],
        )


@strawberry.type
class FiscalYear:
    id: strawberry.ID
    company_id: strawberry.ID
    name: str
    start_date: date
    end_date: date
    periods: list[FiscalPeriod] = bounded_list(model.MAX_PERIODS)

    @classmethod
    def of(cls, year: model.FiscalYear) -> Self:
        return cls(
            id=strawberry.ID(str(year.id)),
            company_id=strawberry.ID(str(year.company_id)),
            name=year.name,
            start_date=year.start_date,
            end_date=year.end_date,
            periods=[FiscalPeriod.of(p) for p in year.periods],
        )

    @classmethod
    def from_rows(cls, year: Mapping[str, Any], periods: Sequence[Mapping[str, Any]]) -> Self:
        return cls(
            id=strawberry.ID(str(year["id"])),
            company_id=strawberry.ID(str(year["company_id"])),
            name=year["name"],
            start_date=year["start_date"],
            end_date=year["end_date"],
            periods=[FiscalPeriod.from_row(p) for p in periods],
        )


@strawberry.type
class JournalLine:
    line_number: int
    account_id: strawberry.ID
    description: str | None
    currency_code: str
    exchange_rate: Decimal = strawberry.field(description="Line currency -> base currency.")
    debit: Money = strawberry.field(description="In the line's currency.")
    credit: Money = strawberry.field(description="In the line's currency.")
    base_debit: Money = strawberry.field(description="In the company's base currency.")
    base_credit: Money = strawberry.field(description="In the company's base currency.")

    @strawberry.field(description="The account (null if you may no longer see it).")
    async def account(self, info: strawberry.Info) -> Account | None:
        found = await info.context.loaders.account_by_id.load(uuid.UUID(str(self.account_id)))
        return Account.of(found) if found is not None else None

    @classmethod
    def of(cls, line: model.JournalLine) -> Self:
        return cls(
            line_number=line.line_number,
            account_id=strawberry.ID(str(line.account_id)),
            description=line.description,
            currency_code=line.currency_code,
            exchange_rate=_rate(line.exchange_rate),
            debit=_money(line.debit),
            credit=_money(line.credit),
            base_debit=_money(line.base_debit),
            base_credit=_money(line.base_credit),
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            line_number=row["line_number"],
            account_id=strawberry.ID(str(row["account_id"])),
            description=row["description"],
            currency_code=row["currency_code"],
            exchange_rate=_rate(row["exchange_rate"]),
            debit=_money(row["debit"]),
            credit=_money(row["credit"]),
            base_debit=_money(row["base_debit"]),
            base_credit=_money(row["base_credit"]),
        )


@strawberry.type(description="A journal entry (the spec's `transactions`) and its lines.")
class JournalEntry:
    id: strawberry.ID
    company_id: strawberry.ID
    entry_number: str | None = strawberry.field(
        description="Assigned on posting, gapless per company and fiscal year: JE-2026-000001."
    )
    posting_date: date
    reference: str | None
    description: str | None
    status: EntryStatus
    kind: EntryKind
    currency_code: str = strawberry.field(description="The company's base currency.")
    total_amount: Money = strawberry.field(description="Base debits (= base credits).")
    fiscal_year_id: strawberry.ID | None
    reversal_of: strawberry.ID | None = strawberry.field(description="The entry this one reverses.")
    reversed_by: strawberry.ID | None = strawberry.field(
        description="The entry that reverses this one."
    )
    created_at: datetime
    updated_at: datetime
    created_by: strawberry.ID
    posted_at: datetime | None
    posted_by: strawberry.ID | None
    version: int
    preloaded_lines: strawberry.Private[tuple[model.JournalLine, ...] | None] = None

    @strawberry.field
    async def lines(self, info: strawberry.Info) -> list[JournalLine]:
        if self.preloaded_lines is not None:
            return [JournalLine.of(line) for line in self.preloaded_lines]
        key = (uuid.UUID(str(self.id)), self.posting_date)
        rows = await info.context.loaders.journal_lines_by_entry.load(key)
        return [JournalLine.from_row(r) for r in rows]

    @classmethod
    def of(cls, entry: model.JournalEntry) -> Self:
        return cls(
            id=strawberry.ID(str(entry.id)),
            company_id=strawberry.ID(str(entry.company_id)),
            entry_number=entry.entry_number,
            posting_date=entry.transaction_date,
            reference=entry.reference,
            description=entry.description,
            status=entry.status,
            kind=entry.kind,
            currency_code=entry.currency_code,
            total_amount=_money(entry.total_amount),
            fiscal_year_id=_id(entry.fiscal_year_id),
            reversal_of=_id(entry.reversal_of),
            reversed_by=_id(entry.reversed_by),
            created_at=entry.created_at,
            updated_at=entry.updated_at,
            created_by=strawberry.ID(str(entry.created_by)),
            posted_at=entry.posted_at,
            posted_by=_id(entry.posted_by),
            version=entry.version,
            preloaded_lines=entry.lines,
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=strawberry.ID(str(row["id"])),
            company_id=strawberry.ID(str(row["company_id"])),
            entry_number=row["entry_number"],
            posting_date=row["transaction_date"],
            reference=row["reference"],
            description=row["description"],
            status=EntryStatus(row["status"]),
            kind=EntryKind(row["kind"]),
            currency_code=row["currency_code"],
            total_amount=_money(row["total_amount"]),
            fiscal_year_id=_id(row["fiscal_year_id"]),
            reversal_of=_id(row["reversal_of"]),
            reversed_by=_id(row["reversed_by"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            created_by=strawberry.ID(str(row["created_by"])),
            posted_at=row["posted_at"],
            posted_by=_id(row["posted_by"]),
            version=row["version"],
        )


@strawberry.type
class JournalEntryEdge:
    cursor: str
    node: JournalEntry


@strawberry.type
class JournalEntryConnection:
    edges: list[JournalEntryEdge]
    page_info: PageInfo


@strawberry.type(description="One account's posted totals up to the date, as a net balance.")
class TrialBalanceLine:
    account: Account
    debit: Money = strawberry.field(description="The net balance if it is a debit, else 0.")
    credit: Money = strawberry.field(description="The net balance if it is a credit, else 0.")
    total_debits: Money = strawberry.field(description="Everything posted to the debit side.")
    total_credits: Money = strawberry.field(description="Everything posted to the credit side.")


@strawberry.type(
    description="Every account with postings up to `asOf` (inclusive), in base currency."
)
class TrialBalance:
    company_id: strawberry.ID
    as_of: date
    currency_code: str
    lines: list[TrialBalanceLine]
    total_debit: Money
    total_credit: Money
    balanced: bool = strawberry.field(description="totalDebit = totalCredit (always true).")


# -- inputs --------------------------------------------------------------------------------------


@strawberry.input
class CreateAccountInput:
    company_id: strawberry.ID
    code: str = strawberry.field(description="Unique in the company, e.g. 1110.")
    name: str
    type: AccountType
    subtype: AccountSubtype | None = None
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="An account of the same company and type."
    )


@strawberry.input(description="Send only the fields to change, with the version you last read.")
class UpdateAccountInput:
    id: strawberry.ID
    version: int
    code: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    type: AccountType | None = strawberry.field(
        default=strawberry.UNSET, description="Refused once the account has postings."
    )
    subtype: AccountSubtype | None = strawberry.UNSET
    parent_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="null makes it a top-level account."
    )
    is_active: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="false deactivates it: nothing more posts to it (accounts are never deleted).",
    )


@strawberry.input
class CreateFiscalYearInput:
    company_id: strawberry.ID
    start_date: date
    end_date: date | None = strawberry.field(
        default=None, description="Default: a year after startDate, less a day."
    )
    name: str | None = strawberry.field(default=None, description="Default: FY<end year>.")


@strawberry.input
class PeriodInput:
    id: strawberry.ID


@strawberry.input(description="A debit or a credit (exactly one, greater than zero).")
class JournalLineInput:
    account_id: strawberry.ID
    debit: Money | None = None
    credit: Money | None = None
    description: str | None = None
    currency_code: str | None = strawberry.field(
        default=None, description="Default: the company's base currency."
    )
    exchange_rate: Decimal | None = strawberry.field(
        default=None,
        description="For a line in another currency: base amount = amount x rate "
        "(rounded half-up to 4 places). Omitted: the company's rate in force on the posting "
        "date (setExchangeRate); none: MISSING_RATE.",
    )


@strawberry.input
class CreateJournalEntryInput:
    company_id: strawberry.ID
    posting_date: date
    lines: list[JournalLineInput]
    reference: str | None = None
    description: str | None = None
    post: bool = strawberry.field(
        default=False, description="Post it at once (needs journal:post too)."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="A retry with the same key returns the first result; the same key with "
        "different input is refused (CONFLICT).",
    )


@strawberry.input
class PostJournalEntryInput:
    id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.input
class ReverseJournalEntryInput:
    id: strawberry.ID
    reversal_date: date | None = strawberry.field(
        name="date",
        default=None,
        description="The reversal's posting date; default: the original's.",
    )
    description: str | None = None


@strawberry.input
class JournalEntryFilter:
    status: EntryStatus | None = None
    date_from: date | None = None
    date_to: date | None = None


# -- payloads ------------------------------------------------------------------------------------


@strawberry.type
class AccountError(UserError):
    pass


@strawberry.type
class FiscalYearError(UserError):
    pass


@strawberry.type
class PeriodError(UserError):
    pass


@strawberry.type(
    description="`field` names the input at fault; for lines `lines.<index>.<field>`, "
    "counting from 0 (`lines.1.debit`)."
)
class JournalEntryError(UserError):
    pass


@strawberry.type
class AccountPayload:
    account: Account | None
    errors: list[AccountError]


@strawberry.type
class FiscalYearPayload:
    fiscal_year: FiscalYear | None
    errors: list[FiscalYearError]


@strawberry.type
class PeriodPayload:
    period: FiscalPeriod | None
    errors: list[PeriodError]


@strawberry.type
class JournalEntryPayload:
    journal_entry: JournalEntry | None
    errors: list[JournalEntryError]


@strawberry.type
class ReverseJournalEntryPayload:
    journal_entry: JournalEntry | None = strawberry.field(description="The original, reversed.")
    reversal: JournalEntry | None = strawberry.field(description="The posted mirror entry.")
    errors: list[JournalEntryError]
