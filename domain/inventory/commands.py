from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.inventory.model import ZERO, CostMethod


@dataclass(frozen=True)
class CreateProductCategory:
    company_id: uuid.UUID
    name: str
    inventory_account_id: uuid.UUID | None = None
    cogs_account_id: uuid.UUID | None = None
    adjustment_account_id: uuid.UUID | None = None
    goods_received_account_id: uuid.UUID | None = None


@dataclass(frozen=True)
class CreateProduct:
    company_id: uuid.UUID
    sku: str
    name: str
    description: str | None = None
    category_id: uuid.UUID | None = None
    unit_of_measure: str = "unit"
    barcode: str | None = None
    is_stocked: bool = True
    cost_method: CostMethod = CostMethod.FIFO
    selling_price: Decimal = ZERO
    reorder_point: Decimal = ZERO
    reorder_quantity: Decimal = ZERO
    lead_time_days: int = 0
    allow_negative_stock: bool = False


@dataclass(frozen=True)
class UpdateProduct:
    product_id: uuid.UUID
    expected_version: int
    changes: Mapping[str, Any]  # only what the caller sent (model.PRODUCT_FIELDS)


@dataclass(frozen=True)
class CreateWarehouse:
    company_id: uuid.UUID
    code: str
    name: str
    address: str | None = None
    locations: tuple[tuple[str, str | None], ...] = ()  # (code, name)


@dataclass(frozen=True)
class UpdateWarehouse:
    warehouse_id: uuid.UUID
    expected_version: int
    name: str | None = None  # None: unchanged
    address: str | None = None
    is_active: bool | None = None


@dataclass(frozen=True)
class AdjustStock:
    """Set the on-hand to a counted quantity, or change it by a delta (exactly one)."""

    company_id: uuid.UUID
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    reason: str
    counted_quantity: Decimal | None = None
    delta: Decimal | None = None
    unit_cost: Decimal | None = None  # for an increase; None: the current unit cost
    occurred_on: date | None = None  # None: today
    location_id: uuid.UUID | None = None


@dataclass(frozen=True)
class TransferStock:
    company_id: uuid.UUID
    product_id: uuid.UUID
    from_warehouse_id: uuid.UUID
    to_warehouse_id: uuid.UUID
    quantity: Decimal
    reason: str
    in_transit: bool = False  # True: ship now, `receiveTransfer` later
    occurred_on: date | None = None


@dataclass(frozen=True)
class ReceiveTransfer:
    transfer_id: uuid.UUID
    occurred_on: date | None = None
