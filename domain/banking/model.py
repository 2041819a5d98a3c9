"""Stored bank statements and lines as the command side sees them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from domain.banking.matching import BookLineKey


class MatchKind(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"
    CREATED = "created"  # the entry was created from the line


class LineKind(StrEnum):
    TRANSACTION = "transaction"
    OPENING = "opening"  # a first statement's opening balance


@dataclass(frozen=True)
class BankAccount:
    id: uuid.UUID
    company_id: uuid.UUID
    subtype: str | None
    currency: str  # the company's base currency
    is_active: bool


@dataclass(frozen=True)
class StatementRecord:
    id: uuid.UUID
    company_id: uuid.UUID
    account_id: uuid.UUID
    format: str
    file_name: str
    file_sha256: str
    external_id: str | None
    currency: str
    start_date: date
    end_date: date
    opening_balance: Decimal
    closing_balance: Decimal
    line_count: int  # lines in the file
    new_line_count: int  # lines not already imported from another file
    imported_by: uuid.UUID
    imported_at: datetime


@dataclass(frozen=True)
class LineRecord:
    id: uuid.UUID
    statement_id: uuid.UUID
    line_number: int
    kind: LineKind
    booking_date: date
    value_date: date | None
    amount: Decimal
    currency: str
    bank_ref: str
    reference: str
    counterparty: str
    description: str


@dataclass(frozen=True)
class OpenBankLine:
    """A bank line as the command side locks and changes it."""

    id: uuid.UUID
    company_id: uuid.UUID
    account_id: uuid.UUID
    statement_id: uuid.UUID
    kind: LineKind
    booking_date: date
    amount: Decimal
    reference: str
    counterparty: str
    description: str
    matched: bool
    statement_start: date

    @property
    def texts(self) -> tuple[str, ...]:
        return (self.reference, self.counterparty, self.description)


@dataclass(frozen=True)
class BookLine:
    key: BookLineKey
    amount: Decimal  # + debit on the bank account
    posted: bool
    matched: bool
