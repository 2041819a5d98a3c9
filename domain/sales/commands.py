from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.sales.model import AccountRole, AllocationInput, ItemInput, fingerprint
from domain.tax.model import TaxRounding


@dataclass(frozen=True)
class CreateCustomer:
    company_id: uuid.UUID
    values: Mapping[str, Any]  # domain attribute -> value (model.CUSTOMER_FIELDS)


@dataclass(frozen=True)
class UpdateCustomer:
    customer_id: uuid.UUID
    expected_version: int
    changes: Mapping[str, Any]  # only what the caller sent


@dataclass(frozen=True)
class CreateInvoice:
    """The spec's CreateInvoiceCommand {tenantId, customerId, items, dueDate, notes}; the tenant
    is the caller's, the company the customer's."""

    customer_id: uuid.UUID
    items: tuple[ItemInput, ...]
    due_date: date | None = None
    notes: str | None = None
    issue_date: date | None = None  # default: today in the tenant's timezone
    currency_code: str | None = None  # default: the customer's currency
    warehouse_id: uuid.UUID | None = None  # default warehouse for stocked items
    reference: str | None = None
    delivery_id: uuid.UUID | None = None  # bill a delivery (items then come from it)
    post: bool = False
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        content = {k: v for k, v in asdict(self).items() if k != "idempotency_key"}
        content["items"] = [_canonical(asdict(i)) for i in self.items]
        return fingerprint({"op": "createInvoice", **_canonical(content)})


@dataclass(frozen=True)
class PostInvoice:
    invoice_id: uuid.UUID


@dataclass(frozen=True)
class VoidInvoice:
    invoice_id: uuid.UUID


@dataclass(frozen=True)
class CreateQuotation:
    customer_id: uuid.UUID
    items: tuple[ItemInput, ...]
    valid_until: date | None = None
    notes: str | None = None
    issue_date: date | None = None
    currency_code: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class CreateSalesOrder:
    customer_id: uuid.UUID | None  # None with quotation_id: the quotation's customer
    items: tuple[ItemInput, ...]
    quotation_id: uuid.UUID | None = None  # convert a quotation (its items are used)
    issue_date: date | None = None
    delivery_date: date | None = None
    warehouse_id: uuid.UUID | None = None
    notes: str | None = None
    currency_code: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class DeliveryLineInput:
    line_number: int  # the order's line (1-based)
    quantity: Decimal


@dataclass(frozen=True)
class CreateDelivery:
    sales_order_id: uuid.UUID
    lines: tuple[DeliveryLineInput, ...] = ()  # empty: everything still open
    delivery_date: date | None = None
    notes: str | None = None


@dataclass(frozen=True)
class CreditLineInput:
    line_number: int  # the invoice's line (1-based)
    quantity: Decimal
    unit_price: Decimal | None = None  # None: the invoice line's price


@dataclass(frozen=True)
class CreateCreditNote:
    invoice_id: uuid.UUID
    lines: tuple[CreditLineInput, ...]
    return_stock: bool = True
    issue_date: date | None = None
    reason: str | None = None


@dataclass(frozen=True)
class CreateDebitNote:
    invoice_id: uuid.UUID
    items: tuple[ItemInput, ...]
    issue_date: date | None = None
    due_date: date | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ReceivePayment:
    customer_id: uuid.UUID
    amount: Decimal
    bank_account_id: uuid.UUID
    allocations: tuple[AllocationInput, ...] = ()
    payment_date: date | None = None
    currency_code: str | None = None  # default: the customer's currency
    reference: str | None = None
    notes: str | None = None
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        content = {k: v for k, v in asdict(self).items() if k != "idempotency_key"}
        content["allocations"] = [_canonical(asdict(a)) for a in self.allocations]
        return fingerprint({"op": "receivePayment", **_canonical(content)})


@dataclass(frozen=True)
class AllocatePayment:
    payment_id: uuid.UUID
    allocations: tuple[AllocationInput, ...]
    allocation_date: date | None = None


@dataclass(frozen=True)
class RefundPayment:
    payment_id: uuid.UUID
    amount: Decimal
    bank_account_id: uuid.UUID | None = None  # default: the payment's bank account
    refund_date: date | None = None
    reference: str | None = None


@dataclass(frozen=True)
class SetSalesAccount:
    company_id: uuid.UUID
    role: AccountRole
    account_id: uuid.UUID | None  # None: back to the default code's account


@dataclass(frozen=True)
class SetTaxRounding:
    company_id: uuid.UUID
    rounding: TaxRounding


def _canonical(content: dict[str, Any]) -> dict[str, Any]:
    """One spelling per value (100, 100.0 and 1E+2 alike; dates and ids as text)."""
    out: dict[str, Any] = {}
    for name, value in content.items():
        if isinstance(value, Decimal):
            text = format(value.normalize(), "f") if value.is_finite() else str(value)
            out[name] = text
        elif isinstance(value, uuid.UUID | date):
            out[name] = str(value)
        else:
            out[name] = value
    return out
