"""Purchasing model: the supplier's balance (AP sub-ledger) and the accounts purchasing posts to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from domain.purchasing.model.common import TOLERANCE_MAX, ZERO
from domain.shared.errors import ValidationErrors
from domain.shared.money import fits_storage


@dataclass(frozen=True)
class BalanceChange:
    """What a document changes in a supplier's balance: `payable` is open bills (document
    currency), `base_payable` the AP control account's share (base currency); `advance` /
    `base_advance` money paid ahead (the advances account's share)."""

    payable: Decimal = ZERO
    base_payable: Decimal = ZERO
    advance: Decimal = ZERO
    base_advance: Decimal = ZERO


@dataclass(frozen=True)
class PurchasingAccounts:
    """The accounts purchasing books to (company settings; default by chart code)."""

    payable: uuid.UUID  # 2100 Trade Payables
    goods_received: uuid.UUID  # 2120 Goods Received Not Invoiced
    advances: uuid.UUID  # 1230 Advances to Suppliers
    purchases: uuid.UUID  # 5100 Purchases: price differences, tax on stock lines
    fx_gain: uuid.UUID  # 4920
    fx_loss: uuid.UUID  # 6800
    bank: uuid.UUID  # 1110 Cash at Bank: default account payments are made from


DEFAULT_ACCOUNT_CODES = {
    "payable": "2100",
    "goods_received": "2120",
    "advances": "1230",
    "purchases": "5100",
    "fx_gain": "4920",
    "fx_loss": "6800",
    "bank": "1110",
}


def check_tolerance(errors: ValidationErrors, value: Decimal | None, path: str) -> None:
    if value is not None and (not fits_storage(value) or not ZERO <= value <= TOLERANCE_MAX):
        errors.add(path, "A percentage between 0 and 100.")
