"""What a client may ask of its bank accounts' statements."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.banking.matching import DEFAULT_WINDOW_DAYS


class StatementFormat(StrEnum):
    CAMT053 = "camt053"
    OFX = "ofx"
    CSV = "csv"


@dataclass(frozen=True)
class CsvMapping:
    """Which column holds what (header names, matched without regard to case and spaces).

    Either `amount` (signed, or unsigned with `direction`) or `debit` and `credit` columns.
    """

    date: str
    amount: str | None = None
    debit: str | None = None  # money out
    credit: str | None = None  # money in
    direction: str | None = None  # a column saying CR/DR (or C/D, credit/debit)
    reference: str | None = None
    counterparty: str | None = None
    description: str | None = None
    bank_ref: str | None = None  # the bank's own id for the line, if the export has one
    currency: str | None = None  # a column; else the statement is in the account's currency
    date_format: str = "%Y-%m-%d"
    decimal_comma: bool = False  # 1.234,56
    # Stated by the user (CSV exports rarely carry them); checked against the lines if given.
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None


@dataclass(frozen=True)
class ImportBankStatement:
    bank_account_id: uuid.UUID
    format: StatementFormat
    content: bytes
    file_name: str
    csv_mapping: CsvMapping | None = None
    window_days: int = DEFAULT_WINDOW_DAYS


@dataclass(frozen=True)
class AutoMatchBankLines:
    bank_account_id: uuid.UUID
    statement_id: uuid.UUID | None = None
    window_days: int = DEFAULT_WINDOW_DAYS


@dataclass(frozen=True)
class MatchTarget:
    journal_entry_id: uuid.UUID
    line_number: int | None = None  # None: the entry's one line on the bank account


@dataclass(frozen=True)
class MatchBankLine:
    line_id: uuid.UUID
    targets: tuple[MatchTarget, ...]


@dataclass(frozen=True)
class UnmatchBankLine:
    line_id: uuid.UUID


@dataclass(frozen=True)
class CreateEntryFromBankLine:
    line_id: uuid.UUID
    account_id: uuid.UUID  # the other side: bank charges, interest income, ...
    description: str | None = None
