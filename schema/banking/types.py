"""Bank statements, their lines and matches, and the bank reconciliation as the API shows them.

Amounts are signed from the account holder's side: + money in (the bank credited the account,
a debit on the ledger's bank account), - money out.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Self

import strawberry
from strawberry.file_uploads import Upload

from domain.banking.matching import MAX_SUGGESTIONS
from schema.accounting.types import JournalEntry
from schema.errors import UserError
from schema.limits import bounded_list
from schema.relay import page_size
from schema.scalars import Money

_QUANTUM = Decimal("0.0001")


def money(value: Decimal) -> Money:
    return Money(value.quantize(_QUANTUM))


def _id(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


@strawberry.enum(description="The file's format.")
class BankStatementFormat(Enum):
    CAMT053 = "camt053"
    OFX = "ofx"
    CSV = "csv"


@strawberry.enum(description="How a bank line was matched.")
class BankMatchKind(Enum):
    AUTO = "auto"
    MANUAL = "manual"
    CREATED = "created"


@strawberry.enum(description="A bank movement, or a first statement's opening balance.")
class BankLineKind(Enum):
    TRANSACTION = "transaction"
    OPENING = "opening"


@strawberry.type(description="A journal line a bank line is matched to, or might be.")
class BookLineRef:
    journal_entry_id: strawberry.ID
    line_number: int
    posting_date: date
    amount: Money = strawberry.field(description="+ debit on the bank account (money in).")
    score: float | None = strawberry.field(
        default=None, description="For a suggestion: how alike the references are, 0 to 1."
    )

    @strawberry.field
    async def journal_entry(self, info: strawberry.Info) -> JournalEntry | None:
        row = await info.context.loaders.journal_entry_by_id.load(uuid.UUID(self.journal_entry_id))
        return JournalEntry.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: Mapping[str, Any], *, score: bool = False) -> Self:
        return cls(
            journal_entry_id=_id(row["transaction_id"]),
            line_number=row["line_number"],
            posting_date=row["transaction_date"],
            amount=money(row["amount"]),
            score=float(row["score"]) if score else None,
        )


@strawberry.type(description="One line of a bank statement.")
class BankStatementLine:
    id: strawberry.ID
    statement_id: strawberry.ID
    bank_account_id: strawberry.ID
    line_number: int
    kind: BankLineKind
    booking_date: date
    value_date: date | None
    amount: Money = strawberry.field(description="+ money in, - money out.")
    currency_code: str
    bank_ref: str = strawberry.field(
        description="The bank's own id for the line (AcctSvcrRef, FITID; derived for a CSV"
        " without one): a line is imported once per bank account."
    )
    reference: str
    counterparty: str
    description: str
    match_kind: BankMatchKind | None = strawberry.field(description="Null: not matched.")
    matched_at: datetime | None

    @strawberry.field
    def matched(self) -> bool:
        return self.match_kind is not None

    @strawberry.field(
        description="The journal lines it is matched to (they sum to it), in date order;"
        " `first` of them (an opening balance may stand for many)."
    )
    async def matches(self, info: strawberry.Info, first: int | None = 20) -> list[BookLineRef]:
        size = page_size(first)
        rows = await info.context.loaders.bank_matches_by_line.load(uuid.UUID(self.id))
        return [BookLineRef.from_row(r) for r in rows[:size]]

    @bounded_list(
        MAX_SUGGESTIONS,
        description="For an open line: the journal lines of its amount auto-match could not"
        " choose between, best first.",
    )
    async def suggestions(self, info: strawberry.Info) -> list[BookLineRef]:
        if self.match_kind is not None:
            return []
        rows = await info.context.loaders.bank_suggestions_by_line.load(uuid.UUID(self.id))
        return [BookLineRef.from_row(r, score=True) for r in rows]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=_id(row["id"]),
            statement_id=_id(row["statement_id"]),
            bank_account_id=_id(row["account_id"]),
            line_number=row["line_number"],
            kind=BankLineKind(row["kind"]),
            booking_date=row["booking_date"],
            value_date=row["value_date"],
            amount=money(row["amount"]),
            currency_code=row["currency_code"],
            bank_ref=row["bank_ref"],
            reference=row["reference"],
            counterparty=row["counterparty"],
            description=row["description"],
            match_kind=BankMatchKind(row["match_kind"]) if row["match_kind"] else None,
            matched_at=row["matched_at"],
        )


@strawberry.type(description="A bank statement imported into a bank account.")
class BankStatement:
    id: strawberry.ID
    company_id: strawberry.ID
    bank_account_id: strawberry.ID
    format: BankStatementFormat
    file_name: str
    external_id: str | None = strawberry.field(description="The bank's statement id, if any.")
    currency_code: str
    start_date: date
    end_date: date
    opening_balance: Money
    closing_balance: Money
    line_count: int = strawberry.field(description="Lines in the file.")
    new_line_count: int = strawberry.field(
        description="Lines not imported before (from another file)."
    )
    imported_at: datetime

    @strawberry.field(
        description="The lines this statement brought in, in file order: `first` of them"
        " after line number `afterLineNumber`; only the open ones with `matched: false`."
    )
    async def lines(
        self,
        info: strawberry.Info,
        first: int | None = 100,
        after_line_number: int = 0,
        matched: bool | None = None,
    ) -> list[BankStatementLine]:
        size = page_size(first)
        rows = await info.context.loaders.bank_lines_by_statement.load(uuid.UUID(self.id))
        after = [
            r
            for r in rows
            if r["line_number"] > after_line_number
            and (matched is None or (r["match_kind"] is not None) == matched)
        ]
        return [BankStatementLine.from_row(r) for r in after[:size]]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=_id(row["id"]),
            company_id=_id(row["company_id"]),
            bank_account_id=_id(row["account_id"]),
            format=BankStatementFormat(row["format"]),
            file_name=row["file_name"],
            external_id=row["external_id"],
            currency_code=row["currency_code"],
            start_date=row["start_date"],
            end_date=row["end_date"],
            opening_balance=money(row["opening_balance"]),
            closing_balance=money(row["closing_balance"]),
            line_count=row["line_count"],
            new_line_count=row["new_line_count"],
            imported_at=row["imported_at"],
        )


@strawberry.type(description="A journal line on the bank account no bank line is matched to.")
class OutstandingBookLine:
    journal_entry_id: strawberry.ID
    entry_number: str | None
    line_number: int
    posting_date: date
    amount: Money = strawberry.field(description="+ a deposit in transit, - an uncleared payment.")
    reference: str | None
    description: str | None


@strawberry.type(
    description="statementBalance = bookBalance + unmatchedBankTotal - unmatchedBookTotal"
    " + difference, as of the statement's end date. The difference is zero when the"
    " statements follow on from each other."
)
class BankReconciliation:
    bank_account_id: strawberry.ID
    statement_id: strawberry.ID
    as_of: date
    currency_code: str
    statement_balance: Money
    book_balance: Money = strawberry.field(description="Posted entries up to `asOf`.")
    matched_total: Money
    unmatched_bank_total: Money
    unmatched_book_total: Money
    difference: Money
    reconciled: bool = strawberry.field(
        description="Nothing left unmatched on either side and no difference."
    )
    unmatched_bank_lines: list[BankStatementLine]
    unmatched_book_lines: list[OutstandingBookLine]


# -- inputs and payloads -----------------------------------------------------------------------


@strawberry.input(
    description="Which CSV column holds what (header names; case and spaces ignored). Map"
    " `amount` (signed, or with `direction`) or both `debit` and `credit`."
)
class CsvMappingInput:
    date: str
    amount: str | None = None
    debit: str | None = strawberry.field(default=None, description="Money out.")
    credit: str | None = strawberry.field(default=None, description="Money in.")
    direction: str | None = strawberry.field(
        default=None, description="A column saying CR or DR (C/D, credit/debit)."
    )
    reference: str | None = None
    counterparty: str | None = None
    description: str | None = None
    bank_ref: str | None = strawberry.field(
        default=None, description="The bank's id for each line, if the export has one."
    )
    currency: str | None = None
    date_format: str = strawberry.field(
        default="%Y-%m-%d", description="strptime format, e.g. %d/%m/%Y."
    )
    decimal_comma: bool = strawberry.field(default=False, description="Amounts like 1.234,56.")
    opening_balance: Money | None = strawberry.field(
        default=None, description="Checked against the lines with closingBalance, if given."
    )
    closing_balance: Money | None = None


@strawberry.input
class ImportBankStatementInput:
    bank_account_id: strawberry.ID = strawberry.field(
        description="A ledger account of subtype bank or cash."
    )
    file: Upload = strawberry.field(
        description="The statement file (GraphQL multipart request): CAMT.053 XML, OFX, or CSV."
    )
    format: BankStatementFormat
    csv_mapping: CsvMappingInput | None = None
    date_window_days: int = strawberry.field(
        default=3, description="Auto-match: how many days apart a bank line and a book line"
        " may be."
    )  # fmt: skip


@strawberry.type
class ImportBankStatementError(UserError):
    pass


@strawberry.type
class ImportBankStatementPayload:
    statement: BankStatement | None
    duplicate_lines: int = strawberry.field(
        description="Lines of the file already imported from another file (skipped)."
    )
    auto_matched: int
    suggested: int = strawberry.field(description="Open lines left with suggestions.")
    errors: list[ImportBankStatementError]


@strawberry.input
class AutoMatchBankLinesInput:
    bank_account_id: strawberry.ID
    statement_id: strawberry.ID | None = None
    date_window_days: int = 3


@strawberry.type
class AutoMatchBankLinesError(UserError):
    pass


@strawberry.type
class AutoMatchBankLinesPayload:
    matched: int
    suggested: int
    errors: list[AutoMatchBankLinesError]


@strawberry.input
class MatchTargetInput:
    journal_entry_id: strawberry.ID
    line_number: int | None = strawberry.field(
        default=None, description="Null: the entry's one line on the bank account."
    )


@strawberry.input
class MatchBankLineInput:
    line_id: strawberry.ID
    targets: list[MatchTargetInput] = strawberry.field(
        description="One or more posted journal lines on the bank account summing to the line."
    )


@strawberry.input
class UnmatchBankLineInput:
    line_id: strawberry.ID


@strawberry.type
class BankLineError(UserError):
    pass


@strawberry.type
class BankLinePayload:
    line: BankStatementLine | None
    errors: list[BankLineError]


@strawberry.input
class CreateEntryFromBankLineInput:
    line_id: strawberry.ID
    account_id: strawberry.ID = strawberry.field(
        description="The other side: bank charges, interest income, ..."
    )
    description: str | None = None


@strawberry.type
class CreateEntryFromBankLinePayload:
    line: BankStatementLine | None
    journal_entry: JournalEntry | None
    errors: list[BankLineError]
