"""Purchasing model: what every purchasing document shares — line amounts, quantity and price
checks, text and id helpers, the settings' tolerances."""

from __future__ import annotations

import uuid
from decimal import Decimal

from domain.shared.errors import ErrorCode, ValidationErrors
from domain.shared.money import STORAGE_MAX, STORAGE_QUANTUM, fits_storage, round4

SUPPLIER = "Supplier"


PURCHASE_ORDER = "PurchaseOrder"


GOODS_RECEIPT = "GoodsReceipt"


BILL = "Bill"


SUPPLIER_PAYMENT = "SupplierPayment"


SUPPLIER_CREDIT = "SupplierCredit"


ZERO = Decimal(0)


HUNDRED = Decimal(100)


RATE_QUANTUM = Decimal("1E-10")  # NUMERIC(19,10), as the books keep rates


QUANTUM = STORAGE_QUANTUM  # NUMERIC(19,4) for amounts and quantities alike


AMOUNT_MAX = STORAGE_MAX


TAX_ID_MAX = 50


REGISTRATION_MAX = 100


TEXT_MAX = 1000


REFERENCE_MAX = 100


MAX_LINES = 500


MAX_ADDRESSES = 10


MAX_CONTACTS = 20


TOLERANCE_MAX = Decimal(100)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return round4(quantity * unit_price)


def check_quantity(errors: ValidationErrors, value: Decimal, path: str) -> None:
    if not fits_storage(value):
        errors.add(path, "Quantities have at most 4 decimal places.")
    elif value <= 0:
        errors.add(path, "The quantity must be greater than zero.")


def check_price(errors: ValidationErrors, value: Decimal, path: str) -> None:
    if not fits_storage(value):
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
