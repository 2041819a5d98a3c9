"""Purchasing commands: what a caller asks for, as frozen data."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from domain.purchasing.model import (
    AllocationInput,
    BillLineInput,
    CreditLineInput,
    OrderLineInput,
    ReceiptLineInput,
)


@dataclass(frozen=True)
class CreateSupplier:
    company_id: uuid.UUID
    values: Mapping[str, Any]  # model.SUPPLIER_FIELDS attributes; code, name, currency required


@dataclass(frozen=True)
class UpdateSupplier:
    supplier_id: uuid.UUID
    expected_version: int
    changes: Mapping[str, Any]  # only the attributes the caller sent


@dataclass(frozen=True)
class ConfigurePurchasing:
    """Account mappings and match tolerances; None leaves a setting as it is."""

    company_id: uuid.UUID
    accounts: Mapping[str, uuid.UUID] = field(default_factory=dict)  # DEFAULT_ACCOUNT_CODES keys
    price_tolerance_percent: Decimal | None = None
    quantity_tolerance_percent: Decimal | None = None


@dataclass(frozen=True)
class CreatePurchaseOrder:
    company_id: uuid.UUID
    supplier_id: uuid.UUID
    warehouse_id: uuid.UUID
    order_date: date
    lines: tuple[OrderLineInput, ...]
    expected_date: date | None = None
    notes: str | None = None


@dataclass(frozen=True)
class CancelPurchaseOrder:
    order_id: uuid.UUID


@dataclass(frozen=True)
class ReceiveGoods:
    order_id: uuid.UUID
    receipt_date: date
    lines: tuple[ReceiptLineInput, ...]
    warehouse_id: uuid.UUID | None = None  # default: the order's
    notes: str | None = None


@dataclass(frozen=True)
class CreateBill:
    company_id: uuid.UUID
    supplier_id: uuid.UUID
    bill_date: date
    lines: tuple[BillLineInput, ...]
    due_date: date | None = None  # default: bill date + the supplier's payment terms
    supplier_reference: str | None = None
    notes: str | None = None
    post: bool = False


@dataclass(frozen=True)
class PostBill:
    bill_id: uuid.UUID


@dataclass(frozen=True)
class VoidBill:
    bill_id: uuid.UUID


@dataclass(frozen=True)
class MakeSupplierPayment:
    company_id: uuid.UUID
    supplier_id: uuid.UUID
    payment_date: date
    amount: Decimal
    allocations: tuple[AllocationInput, ...] = ()
    bank_account_id: uuid.UUID | None = None  # default: the company's bank account (1110)
    reference: str | None = None
    idempotency_key: str | None = None  # a retry with the same key returns the first payment

    def fingerprint(self) -> str:
        """What makes two requests with one idempotency key "the same payment"."""
        content = {
            "op": "makeSupplierPayment",
            "company": str(self.company_id),
            "supplier": str(self.supplier_id),
            "date": self.payment_date.isoformat(),
            "amount": _number(self.amount),
            "bank": str(self.bank_account_id) if self.bank_account_id else None,
            "reference": (self.reference or "").strip(),
            "allocations": sorted([str(a.bill_id), _number(a.amount)] for a in self.allocations),
        }
        return hashlib.sha256(
            json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()


@dataclass(frozen=True)
class ApplySupplierAdvance:
    bill_id: uuid.UUID
    amount: Decimal  # in the supplier's currency, out of its advance
    day: date


@dataclass(frozen=True)
class IssueSupplierCredit:
    bill_id: uuid.UUID
    credit_date: date
    lines: tuple[CreditLineInput, ...]
    reason: str | None = None


IDEMPOTENCY_KEY_MAX = 200  # purchasing_requests.idempotency_key


def _number(value: Decimal) -> str:
    """One spelling per value: 100, 100.0 and 1E+2 fingerprint alike."""
    if not value.is_finite():
        return str(value)
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
