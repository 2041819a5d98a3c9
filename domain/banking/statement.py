"""A bank statement as a parser hands it over, and the checks every format shares."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from domain.shared.errors import DomainError, ErrorCode, FieldError
from domain.shared.money import fits_storage, money_text

REFERENCE_MAX = 140  # ISO 20022 remittance text and end-to-end ids are at most 140 characters
COUNTERPARTY_MAX = 140
DESCRIPTION_MAX = 500
BANK_REF_MAX = 100
MAX_LINES = 20_000  # a statement larger than this is a job, not a request

# The line that carries a first statement's opening balance into the reconciliation, so
# "statement balance = sum of bank lines" holds from the first statement on.
OPENING_REF = "opening-balance"


@dataclass(frozen=True)
class ParsedLine:
    booking_date: date
    amount: Decimal  # signed: + money in (credit on the statement), - money out (debit)
    currency: str
    bank_ref: str  # the bank's own id for the line (AcctSvcrRef, FITID, ...): the dedupe key
    reference: str = ""
    counterparty: str = ""
    description: str = ""
    value_date: date | None = None


@dataclass(frozen=True)
class ParsedStatement:
    currency: str
    lines: tuple[ParsedLine, ...]
    opening_balance: Decimal | None  # None: the format does not state it (OFX, CSV)
    closing_balance: Decimal | None
    start_date: date | None = None
    end_date: date | None = None
    external_id: str | None = None  # the bank's statement id (CAMT Stmt/Id)
    account_number: str | None = None  # IBAN or account number as the file states it
    warnings: tuple[str, ...] = field(default=())


class StatementError(DomainError):
    """The file cannot be read as a statement (every problem found, on `file` unless said)."""

    def __init__(self, message: str, field_name: str = "file") -> None:
        super().__init__([FieldError(ErrorCode.INVALID, message, field_name)])


def derived_bank_ref(line: ParsedLine, occurrence: int) -> str:
    """A stable id for a line whose bank gives none (CSV): the same line in another export
    gets the same id; identical lines on one day are told apart by their order."""
    text = "|".join(
        (
            line.booking_date.isoformat(),
            money_text(line.amount),
            line.reference,
            line.counterparty,
            line.description,
            str(occurrence),
        )
    )
    return "h:" + hashlib.sha256(text.encode()).hexdigest()[:40]


def clip(text: str | None, limit: int) -> str:
    return " ".join((text or "").split())[:limit]


@dataclass(frozen=True)
class CheckedStatement:
    currency: str
    lines: tuple[ParsedLine, ...]
    opening_balance: Decimal
    closing_balance: Decimal
    start_date: date
    end_date: date
    external_id: str | None


def checked(statement: ParsedStatement, account_currency: str) -> CheckedStatement:
    """The statement with its balances worked out and checked against its lines.

    Opening + lines must equal closing when the file states both; a format that states only the
    closing balance (OFX) gets opening = closing - lines; one that states none (CSV without
    balances) starts at zero. Raises DomainError (nothing is written) on any mismatch.
    """
    problems: list[FieldError] = []
    if not statement.currency:  # a CSV without a currency column: the account's
        statement = replace(
            statement,
            currency=account_currency,
            lines=tuple(x if x.currency else replace(x, currency=account_currency)
                        for x in statement.lines),
        )  # fmt: skip
    if statement.currency != account_currency:
        problems.append(
            FieldError(
                ErrorCode.INVALID,
                f"The statement is in {statement.currency}; the bank account is in"
                f" {account_currency}.",
                "bankAccountId",
            )
        )
    if not statement.lines and statement.closing_balance is None:
        problems.append(FieldError(ErrorCode.INVALID, "The statement has no lines.", "file"))
    if len(statement.lines) > MAX_LINES:
        problems.append(
            FieldError(ErrorCode.LIMIT_EXCEEDED, f"At most {MAX_LINES} lines per file.", "file")
        )
    for number, line in enumerate(statement.lines, 1):
        if line.currency != statement.currency:
            problems.append(
                FieldError(
                    ErrorCode.INVALID,
                    f"Line {number} is in {line.currency}, the statement in {statement.currency}.",
                    "file",
                )
            )
        if not fits_storage(line.amount) or line.amount == 0:
            problems.append(
                FieldError(
                    ErrorCode.INVALID,
                    f"Line {number}: amount {line.amount} is zero or has more than 4 places.",
                    "file",
                )
            )
    if problems:
        raise DomainError(problems)
    total = sum((line.amount for line in statement.lines), Decimal(0))
    opening, closing = statement.opening_balance, statement.closing_balance
    if opening is None and closing is None:
        opening = Decimal(0)
    if opening is None:
        assert closing is not None
        opening = closing - total
    expected = opening + total
    if closing is not None and closing != expected:
        raise DomainError.single(
            ErrorCode.UNBALANCED,
            f"Opening balance {money_text(opening)} plus the lines ({money_text(total)}) is"
            f" {money_text(expected)}, but the statement's closing balance is"
            f" {money_text(closing)}.",
            "file",
        )
    dates = [line.booking_date for line in statement.lines]
    start = statement.start_date or (min(dates) if dates else statement.end_date)
    end = statement.end_date or (max(dates) if dates else start)
    if start is None or end is None:
        raise StatementError("The statement states no dates.")
    if any(d < start or d > end for d in dates):
        raise StatementError(f"A line is dated outside the statement's period {start} to {end}.")
    for value in (opening, expected):
        if not fits_storage(value):
            raise StatementError("A balance does not fit 15 digits and 4 places.")
    return CheckedStatement(
        currency=statement.currency,
        lines=statement.lines,
        opening_balance=opening,
        closing_balance=expected,
        start_date=start,
        end_date=end,
        external_id=statement.external_id,
    )


def opening_line(statement: CheckedStatement) -> ParsedLine | None:
    """The first statement's opening balance as a line dated the day before it starts."""
    if statement.opening_balance == 0:
        return None
    return ParsedLine(
        booking_date=statement.start_date - timedelta(days=1),
        amount=statement.opening_balance,
        currency=statement.currency,
        bank_ref=OPENING_REF,
        description="Balance brought forward",
    )
