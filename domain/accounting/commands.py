from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.accounting.model import AccountSubtype, AccountType, LineInput


@dataclass(frozen=True)
class CreateAccount:
    company_id: uuid.UUID
    code: str
    name: str
    account_type: AccountType
    subtype: AccountSubtype | None = None
    parent_id: uuid.UUID | None = None


@dataclass(frozen=True)
class UpdateAccount:
    account_id: uuid.UUID
    expected_version: int
    changes: Mapping[str, Any]  # only the attributes the caller sent (model.ACCOUNT_FIELDS)


@dataclass(frozen=True)
class CreateFiscalYear:
    company_id: uuid.UUID
    start_date: date
    end_date: date | None = None
    name: str | None = None


@dataclass(frozen=True)
class ClosePeriod:
    period_id: uuid.UUID


@dataclass(frozen=True)
class ReopenPeriod:
    period_id: uuid.UUID


@dataclass(frozen=True)
class LockPeriod:
    period_id: uuid.UUID


@dataclass(frozen=True)
class CreateJournalEntry:
    company_id: uuid.UUID
    transaction_date: date
    lines: tuple[LineInput, ...]
    reference: str | None = None
    description: str | None = None
    post: bool = False
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        return request_fingerprint(
            {
                "op": "createJournalEntry",
                "company": str(self.company_id),
                "date": self.transaction_date.isoformat(),
                "reference": (self.reference or "").strip(),
                "description": (self.description or "").strip(),
                "post": self.post,
                "lines": lines_fingerprint(self.lines),
            }
        )


def lines_fingerprint(lines: tuple[LineInput, ...]) -> list[list[str | None]]:
    return [
        [
            str(line.account_id),
            _number(line.debit),
            _number(line.credit),
            (line.description or "").strip(),
            (line.currency_code or "").strip().upper(),
            _number(line.exchange_rate),
        ]
        for line in lines
    ]


@dataclass(frozen=True)
class PostJournalEntry:
    entry_id: uuid.UUID
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        return request_fingerprint({"op": "postJournalEntry", "id": str(self.entry_id)})


@dataclass(frozen=True)
class ReverseJournalEntry:
    entry_id: uuid.UUID
    reversal_date: date | None = None  # default: the original's date
    description: str | None = None


IDEMPOTENCY_KEY_MAX = 200


def _number(value: Decimal | None) -> str | None:
    """One spelling per value: 100, 100.0 and 1E+2 fingerprint alike."""
    if value is None:
        return None
    if not value.is_finite():
        return str(value)
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def request_fingerprint(content: dict[str, Any]) -> str:
    """What makes two requests with one idempotency key "the same request"."""
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
