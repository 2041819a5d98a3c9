"""Stock on hand: per product and warehouse, a quantity brought in at a unit cost as of a date
(date, sku, warehouse, quantity, unitCost) — adjustStock's rules and its movement: an
ADJUSTMENT in, valued at the unit cost, posted against the adjustment account (inventory's
move_within, one call per batch). Every row has the same date; a product and warehouse pair
appears once. The quantity is added to what the warehouse already holds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.imports import cells
from domain.imports.schema import Books, Column, RowSchema
from domain.inventory.model import Product, Warehouse, check_amount, check_quantity
from domain.jobs.model import JobKind, RowError
from domain.shared.errors import DomainError, ErrorCode, ValidationErrors

PRODUCTS = "products"  # Books.extra: the company's products by SKU
WAREHOUSES = "warehouses"  # and its warehouses by code
REASON = "Stock on hand (import)"


@dataclass(frozen=True)
class StockRow:
    day: date
    product: Product
    warehouse: Warehouse
    quantity: Decimal
    unit_cost: Decimal

    @property
    def company_id(self) -> uuid.UUID:
        return self.product.company_id


def build_stock(row: dict[str, Any], books: Books) -> StockRow:
    errors = ValidationErrors()
    product: Product | None = books.extra[PRODUCTS].get(row.get("sku"))
    warehouse: Warehouse | None = books.extra[WAREHOUSES].get(row.get("warehouse"))
    if product is None:
        errors.add("sku", f"No product {row.get('sku')} in this company.", ErrorCode.NOT_FOUND)
    elif not product.is_active:
        errors.add("sku", f"Product {product.sku} is inactive.")
    elif not product.is_stocked:
        errors.add("sku", "A service product keeps no stock.")
    if warehouse is None:
        errors.add(
            "warehouse",
            f"No warehouse {row.get('warehouse')} in this company.",
            ErrorCode.NOT_FOUND,
        )
    elif not warehouse.is_active:
        errors.add("warehouse", f"Warehouse {warehouse.code} is inactive.")
    quantity, unit_cost = row.get("quantity"), row.get("unitCost")
    if quantity is not None:
        check_quantity(errors, "quantity", quantity)
    if unit_cost is not None:
        check_amount(errors, "unitCost", unit_cost, "Unit cost")
    for name in ("date", "quantity", "unitCost"):
        if row.get(name) is None:
            errors.add(name, f"{name} is required.", ErrorCode.REQUIRED)
    errors.raise_if_any()
    assert product is not None and warehouse is not None
    assert quantity is not None and unit_cost is not None
    return StockRow(row["date"], product, warehouse, quantity, unit_cost)


def same_day(
    accepted: list[tuple[int, Any]], books: Books
) -> tuple[list[tuple[int, Any]], list[RowError]]:
    if not accepted:  # a resumed run whose every batch is in (an empty file is refused)
        return [], []
    first_row, first = accepted[0]
    problems = [
        RowError(row, "date", str(ErrorCode.INVALID),
                 f"Every row has the same date ({first.day.isoformat()} on row {first_row}).")
        for row, line in accepted if line.day != first.day
    ]  # fmt: skip
    return ([], problems) if problems else (accepted, [])


def refusal_of(exc: DomainError) -> tuple[int | None, str | None, str, str]:
    """A move_within error on `rows.<i>.<field>`: (index i, column, code, message)."""
    error = exc.errors[0]
    parts = (error.field or "").split(".")
    if len(parts) == 3 and parts[0] == "rows" and parts[1].isdigit():
        column = {"productId": "sku", "warehouseId": "warehouse"}.get(parts[2], parts[2])
        return int(parts[1]), column, str(error.code), error.message
    return None, "date" if error.field == "date" else None, str(error.code), error.message


STOCK_ON_HAND = RowSchema(
    kind=JobKind.STOCK_ON_HAND,
    resource="stock",
    actions=("adjust",),  # adjustStock's permission
    columns=(
        Column("date", cells.iso_date, required=True),
        Column("sku", cells.text, required=True),
        Column("warehouse", cells.text, required=True),
        Column("quantity", cells.decimal, required=True),
        Column("unitCost", cells.decimal, required=True),
    ),
    key="sku",
    build=build_stock,
    key_of=lambda s: f"{s.product.sku} in {s.warehouse.code}",
    finish=same_day,
    help="date* (the same on every row), sku*, warehouse* (code), quantity* (> 0), unitCost* "
    "(base currency): an adjustment in per row, added to what the warehouse holds",
)
