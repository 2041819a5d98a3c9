"""Purchasing model: what every purchasing document shares — amount rounding and range checks,
text and id helpers, the settings' tolerances."""

from __future__ import annotations

import re
import uuid
from decimal import ROUND_HALF_UP, Decimal, localcontext

from domain.shared.errors import ErrorCode, ValidationErrors

SUPPLIER = "Supplier"


PURCHASE_ORDER = "PurchaseOrder"


GOODS_RECEIPT = "GoodsReceipt"


BILL = "Bill"


SUPPLIER_PAYMENT = "SupplierPayment"


SUPPLIER_CREDIT = "SupplierCredit"


ZERO = Decimal(0)


HUNDRED = Decimal(100)


RATE_QUANTUM = Decimal("1E-10")  # NUMERIC(19,10), as the books keep rates


QUANTUM = Decimal("0.0001")  # NUMERIC(19,4) for amounts and quantities alike


AMOUNT_MAX = Decimal("999999999999999.9999")


CODE_MAX = 30


CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


NAME_MAX = 255


TAX_ID_MAX = 50


REGISTRATION_MAX = 100


TEXT_MAX = 1000


REFERENCE_MAX = 100


MAX_LINES = 500


MAX_ADDRESSES = 10


MAX_CONTACTS = 20


PAYMENT_TERMS_MAX = 3650


TOLERANCE_MAX = Decimal(100)


def q4(value: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return value.quantize(QUANTUM, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return q4(quantity * unit_price)


def _fits(value: Decimal) -> bool:
    with localcontext() as ctx:
        ctx.prec = 60
        return value.is_finite() and value.quantize(QUANTUM) == value and abs(value) <= AMOUNT_MAX


def check_quantity(errors: ValidationErrors, value: Decimal, path: str) -> None:
    if not _fits(value):
        errors.add(path, "Quantities have at most 4 decimal places.")
    elif value <= 0:
        errors.add(path, "The quantity must be greater than zero.")


def check_price(errors: ValidationErrors, value: Decimal, path: str) -> None:
    if not _fits(value):
        errors.add(path, "Prices have at most 4 decimal places.")
    elif value < 0:
        errors.add(path, "The price cannot be negative.")


def _text(
    errors: ValidationErrors, value: str | None, path: str, limit: int, *, required: bool = False
) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            errors.add(path, "This field is required.", ErrorCode.REQUIRED)
        return None
    if len(cleaned) > limit:
        errors.add(path, f"At most {limit} characters.")
    return cleaned


def _id(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def _money(value: Decimal) -> str:
    return format(q4(value), "f")
