"""Sales model: what every sales document shares (kinds, statuses, numbers, limits, checks)."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum

from domain.shared.errors import ValidationErrors
from domain.shared.money import STORAGE_MAX

ZERO = Decimal(0)


HUNDRED = Decimal(100)


CUSTOMER = "Customer"


SALES_DOCUMENT = "SalesDocument"


PAYMENT = "CustomerPayment"


TAX_ID_MAX = 30


TAX_ID_PATTERN = re.compile(r"^[A-Za-z0-9-]+$")


REGISTRATION_MAX = 50


NOTES_MAX = 2000


REFERENCE_MAX = 100


DESCRIPTION_MAX = 500


MAX_ITEMS = 500


MAX_ALLOCATIONS = 200


QUANTITY_QUANTUM = Decimal("0.0001")


AMOUNT_MAX = STORAGE_MAX


class DocumentKind(StrEnum):
    QUOTATION = "quotation"
    SALES_ORDER = "sales_order"
    DELIVERY = "delivery"
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    DEBIT_NOTE = "debit_note"

    @property
    def prefix(self) -> str:
        return _PREFIXES[self]

    @property
    def receivable(self) -> bool:
        """Documents a customer owes (payments are allocated to them)."""
        return self in (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE)


_PREFIXES = {
    DocumentKind.QUOTATION: "QT",
    DocumentKind.SALES_ORDER: "SO",
    DocumentKind.DELIVERY: "DO",
    DocumentKind.INVOICE: "INV",
    DocumentKind.CREDIT_NOTE: "CN",
    DocumentKind.DEBIT_NOTE: "DN",
}


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"  # quotation / sales order waiting for the next step
    CONVERTED = "converted"  # quotation turned into a sales order
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    INVOICED = "invoiced"  # a delivery billed
    POSTED = "posted"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"


class PaymentKind(StrEnum):
    RECEIPT = "receipt"
    REFUND = "refund"

    @property
    def prefix(self) -> str:
        return "OR" if self is PaymentKind.RECEIPT else "RF"


def format_number(prefix: str, value: int) -> str:
    return f"{prefix}-{value:06d}"


class Problems(ValidationErrors):
    """ValidationErrors that can tell whether any problem was found yet."""

    def __bool__(self) -> bool:
        return bool(self._errors)


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None
