"""Inventory aggregates: products, categories, warehouses (with locations), stock levels.

Quantities and money are Decimal with at most 4 places (NUMERIC(19,4)).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.inventory import events
from domain.shared.errors import DomainError, ErrorCode, ValidationErrors
from domain.shared.events import RecordedEvent

PLACES = Decimal("0.0001")
ZERO = Decimal(0)
MAX_AMOUNT = Decimal("999999999999999.9999")  # NUMERIC(19,4)

SKU_MAX = 64
NAME_MAX = 255
UOM_MAX = 20
BARCODE_MAX = 64
WAREHOUSE_CODE_MAX = 20
CATEGORY_NAME_MAX = 100


def places_of(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def check_quantity(
    errors: ValidationErrors, field_name: str, quantity: Decimal, *, positive: bool = True
) -> None:
    """Refuse zero (or, with `positive`, negative) and over-precise quantities."""
    if not quantity.is_finite():
        errors.add(field_name, "Quantity must be a number.")
    elif places_of(quantity) > 4:
        errors.add(field_name, "Quantity has more than 4 decimal places.")
    elif quantity == 0:
        errors.add(field_name, "Quantity must not be zero.")
    elif positive and quantity < 0:
        errors.add(field_name, "Quantity must be positive.")
    elif abs(quantity) > MAX_AMOUNT:
        errors.add(field_name, "Quantity is too large.")


def check_amount(errors: ValidationErrors, field_name: str, amount: Decimal, what: str) -> None:
    if not amount.is_finite() or amount < 0:
        errors.add(field_name, f"{what} must not be negative.")
    elif places_of(amount) > 4:
        errors.add(field_name, f"{what} has more than 4 decimal places.")
    elif amount > MAX_AMOUNT:
        errors.add(field_name, f"{what} is too large.")


class CostMethod(StrEnum):
    FIFO = "FIFO"
    MOVING_AVERAGE = "MOVING_AVERAGE"


class MovementType(StrEnum):
    RECEIPT = "RECEIPT"
    ISSUE = "ISSUE"
    ADJUSTMENT = "ADJUSTMENT"
    TRANSFER_OUT = "TRANSFER_OUT"
    TRANSFER_IN = "TRANSFER_IN"


# Default accounts by code in the company's chart (domain/accounting/templates.py).
DEFAULT_INVENTORY_CODE = "1300"
DEFAULT_COGS_CODE = "5110"
DEFAULT_ADJUSTMENT_CODE = "5400"
DEFAULT_GOODS_RECEIVED_CODE = "2120"
DEFAULT_CODES = {
    "inventory": DEFAULT_INVENTORY_CODE,
    "cogs": DEFAULT_COGS_CODE,
    "adjustment": DEFAULT_ADJUSTMENT_CODE,
    "goods_received": DEFAULT_GOODS_RECEIVED_CODE,
}


@dataclass
class ProductCategory:
    id: uuid.UUID
    company_id: uuid.UUID
    name: str
    inventory_account_id: uuid.UUID | None = None
    cogs_account_id: uuid.UUID | None = None
    adjustment_account_id: uuid.UUID | None = None
    goods_received_account_id: uuid.UUID | None = None
    version: int = 1

    def account(self, role: str) -> uuid.UUID | None:
        found: uuid.UUID | None = getattr(self, f"{role}_account_id")
        return found


@dataclass(frozen=True)
class PostingAccounts:
    """The accounts a product's movements book to (category's or the defaults by code)."""

    inventory: uuid.UUID | None
    cogs: uuid.UUID | None
    adjustment: uuid.UUID | None
    goods_received: uuid.UUID | None


# Attributes `updateProduct` may change (camelCase input -> attribute).
PRODUCT_FIELDS = (
    "name",
    "description",
    "category_id",
    "unit_of_measure",
    "barcode",
    "is_stocked",
    "cost_method",
    "selling_price",
    "reorder_point",
    "reorder_quantity",
    "lead_time_days",
    "allow_negative_stock",
    "is_active",
    "sku",
)


@dataclass
class Product:
    id: uuid.UUID
    company_id: uuid.UUID
    sku: str
    name: str
    description: str | None
    category_id: uuid.UUID | None
    unit_of_measure: str
    barcode: str | None
    is_stocked: bool
    cost_method: CostMethod
    selling_price: Decimal
    reorder_point: Decimal
    reorder_quantity: Decimal
    lead_time_days: int
    allow_negative_stock: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID
    updated_by: uuid.UUID
    version: int = 1
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def create(
        cls,
        *,
        company_id: uuid.UUID,
        sku: str,
        name: str,
        actor: uuid.UUID,
        now: datetime,
        description: str | None = None,
        category_id: uuid.UUID | None = None,
        unit_of_measure: str = "unit",
        barcode: str | None = None,
        is_stocked: bool = True,
        cost_method: CostMethod = CostMethod.FIFO,
        selling_price: Decimal = ZERO,
        reorder_point: Decimal = ZERO,
        reorder_quantity: Decimal = ZERO,
        lead_time_days: int = 0,
        allow_negative_stock: bool = False,
        is_active: bool = True,
    ) -> Product:
        product = cls(
            id=uuid.uuid4(),
            company_id=company_id,
            sku=sku.strip(),
            name=name.strip(),
            description=description,
            category_id=category_id,
            unit_of_measure=unit_of_measure.strip(),
            barcode=(barcode or "").strip() or None,
            is_stocked=is_stocked,
            cost_method=cost_method,
            selling_price=selling_price,
            reorder_point=reorder_point,
            reorder_quantity=reorder_quantity,
            lead_time_days=lead_time_days,
            allow_negative_stock=allow_negative_stock,
            is_active=is_active,
            created_at=now,
            updated_at=now,
            created_by=actor,
            updated_by=actor,
        )
        product.validate()
        product.events.append(
            RecordedEvent(events.PRODUCT_CREATED, "Product", product.id, product.snapshot(), now)
        )
        return product

    def update(
        self, changes: dict[str, Any], *, has_movements: bool, actor: uuid.UUID, now: datetime
    ) -> None:
        errors = ValidationErrors()
        if (
            "cost_method" in changes
            and changes["cost_method"] != self.cost_method
            and has_movements
        ):
            errors.add("costMethod", "The cost method cannot change once stock has moved.")
        if "is_stocked" in changes and changes["is_stocked"] != self.is_stocked and has_movements:
            errors.add("isStocked", "A product that has moved stock stays stocked.")
        errors.raise_if_any()
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if not changed:
            return
        for key, value in changed.items():
            setattr(self, key, value)
        self.sku, self.name = self.sku.strip(), self.name.strip()
        self.validate()
        self.version += 1
        self.updated_at, self.updated_by = now, actor
        self.events.append(
            RecordedEvent(
                events.PRODUCT_UPDATED,
                "Product",
                self.id,
                {**self.snapshot(), "changed": sorted(_camel(k) for k in changed)},
                now,
            )
        )

    def validate(self) -> None:
        errors = ValidationErrors()
        if not self.sku:
            errors.add("sku", "SKU is required.", ErrorCode.REQUIRED)
        elif len(self.sku) > SKU_MAX:
            errors.add("sku", f"SKU is at most {SKU_MAX} characters.")
        if not self.name:
            errors.add("name", "Name is required.", ErrorCode.REQUIRED)
        elif len(self.name) > NAME_MAX:
            errors.add("name", f"Name is at most {NAME_MAX} characters.")
        if not self.unit_of_measure or len(self.unit_of_measure) > UOM_MAX:
            errors.add("unitOfMeasure", f"Unit of measure is 1 to {UOM_MAX} characters.")
        if self.barcode is not None and len(self.barcode) > BARCODE_MAX:
            errors.add("barcode", f"Barcode is at most {BARCODE_MAX} characters.")
        check_amount(errors, "sellingPrice", self.selling_price, "Selling price")
        check_amount(errors, "reorderPoint", self.reorder_point, "Reorder point")
        check_amount(errors, "reorderQuantity", self.reorder_quantity, "Reorder quantity")
        if not 0 <= self.lead_time_days <= 3650:
            errors.add("leadTimeDays", "Lead time is 0 to 3650 days.")
        errors.raise_if_any()

    def snapshot(self) -> dict[str, Any]:
        return {
            "companyId": str(self.company_id),
            "id": str(self.id),
            "sku": self.sku,
            "name": self.name,
            "categoryId": str(self.category_id) if self.category_id else None,
            "unitOfMeasure": self.unit_of_measure,
            "barcode": self.barcode,
            "isStocked": self.is_stocked,
            "costMethod": self.cost_method.value,
            "sellingPrice": str(self.selling_price),
            "isActive": self.is_active,
            "version": self.version,
        }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass
class WarehouseLocation:
    id: uuid.UUID
    warehouse_id: uuid.UUID
    code: str
    name: str | None = None


@dataclass
class Warehouse:
    id: uuid.UUID
    company_id: uuid.UUID
    code: str
    name: str
    address: str | None
    is_active: bool
    created_at: datetime
    created_by: uuid.UUID
    version: int = 1
    locations: list[WarehouseLocation] = field(default_factory=list)
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def create(
        cls,
        *,
        company_id: uuid.UUID,
        code: str,
        name: str,
        address: str | None,
        locations: list[tuple[str, str | None]],
        actor: uuid.UUID,
        now: datetime,
    ) -> Warehouse:
        errors = ValidationErrors()
        code, name = code.strip(), name.strip()
        if not code or len(code) > WAREHOUSE_CODE_MAX:
            errors.add("code", f"Code is 1 to {WAREHOUSE_CODE_MAX} characters.")
        if not name or len(name) > NAME_MAX:
            errors.add("name", f"Name is 1 to {NAME_MAX} characters.")
        seen: set[str] = set()
        for i, (location_code, _) in enumerate(locations):
            cleaned = location_code.strip()
            if not cleaned or len(cleaned) > 40:
                errors.add(f"locations.{i}.code", "Location code is 1 to 40 characters.")
            elif cleaned in seen:
                errors.add(f"locations.{i}.code", "Location codes are unique.", ErrorCode.DUPLICATE)
            seen.add(cleaned)
        errors.raise_if_any()
        warehouse_id = uuid.uuid4()
        warehouse = cls(
            id=warehouse_id,
            company_id=company_id,
            code=code,
            name=name,
            address=address,
            is_active=True,
            created_at=now,
            created_by=actor,
            locations=[
                WarehouseLocation(uuid.uuid4(), warehouse_id, c.strip(), n) for c, n in locations
            ],
        )
        warehouse.events.append(
            RecordedEvent(
                events.WAREHOUSE_CREATED,
                "Warehouse",
                warehouse.id,
                {"companyId": str(company_id), "id": str(warehouse.id), "code": code},
                now,
            )
        )
        return warehouse


def update_warehouse(
    warehouse: Warehouse,
    *,
    name: str | None,
    address: str | None,
    is_active: bool | None,
    now: datetime,
) -> bool:
    """Apply the changes sent; True if anything changed (then the version moves on)."""
    changes: dict[str, Any] = {}
    if name is not None:
        cleaned = name.strip()
        if not cleaned or len(cleaned) > NAME_MAX:
            raise DomainError.single(
                ErrorCode.INVALID, f"Name is 1 to {NAME_MAX} characters.", "name"
            )
        changes["name"] = cleaned
    if address is not None:
        changes["address"] = address
    if is_active is not None:
        changes["is_active"] = is_active
    changed = {k: v for k, v in changes.items() if getattr(warehouse, k) != v}
    if not changed:
        return False
    for key, value in changed.items():
        setattr(warehouse, key, value)
    warehouse.version += 1
    warehouse.events.append(
        RecordedEvent(
            events.WAREHOUSE_UPDATED,
            "Warehouse",
            warehouse.id,
            {
                "companyId": str(warehouse.company_id),
                "id": str(warehouse.id),
                "code": warehouse.code,
                "changed": sorted(_camel(k) for k in changed),
                "version": warehouse.version,
            },
            now,
        )
    )
    return True


@dataclass
class StockLevel:
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    company_id: uuid.UUID
    on_hand: Decimal = ZERO
    value: Decimal = ZERO
    reserved: Decimal = ZERO
    incoming: Decimal = ZERO
    last_unit_cost: Decimal = ZERO
    last_movement_on: Any = None  # date | None

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved

    def changed_event(
        self, now: datetime, *, movement: dict[str, Any] | None = None
    ) -> RecordedEvent:
        payload: dict[str, Any] = {
            "companyId": str(self.company_id),
            "productId": str(self.product_id),
            "warehouseId": str(self.warehouse_id),
            "onHand": str(self.on_hand),
            "reserved": str(self.reserved),
            "available": str(self.available),
            "incoming": str(self.incoming),
            "value": str(self.value),
        }
        if movement:
            payload["movement"] = movement
        return RecordedEvent(
            events.STOCK_LEVEL_CHANGED, "StockLevel", self.product_id, payload, now
        )
