"""Products: the API's createProduct fields (without a category), built by Product.create."""

from __future__ import annotations

from typing import Any

from domain.imports import cells
from domain.imports.schema import Books, Column, RowSchema
from domain.inventory.model import CostMethod, Product
from domain.jobs.model import JobKind

_ATTRIBUTES = {
    "sku": "sku",
    "name": "name",
    "description": "description",
    "unitOfMeasure": "unit_of_measure",
    "barcode": "barcode",
    "isStocked": "is_stocked",
    "costMethod": "cost_method",
    "sellingPrice": "selling_price",
    "reorderPoint": "reorder_point",
    "reorderQuantity": "reorder_quantity",
    "leadTimeDays": "lead_time_days",
    "allowNegativeStock": "allow_negative_stock",
}


def build_product(row: dict[str, Any], books: Books) -> Product:
    given = {_ATTRIBUTES[name]: value for name, value in row.items() if value is not None}
    given.setdefault("sku", "")  # missing: the model says it is required, as the API's does
    given.setdefault("name", "")
    return Product.create(company_id=books.company_id, actor=books.actor, now=books.now, **given)


PRODUCTS = RowSchema(
    kind=JobKind.PRODUCTS,
    resource="product",
    columns=(
        Column("sku", cells.text, required=True),
        Column("name", cells.text, required=True),
        Column("description", cells.text),
        Column("unitOfMeasure", cells.text),
        Column("barcode", cells.text),
        Column("isStocked", cells.boolean),
        Column("costMethod", cells.choice(CostMethod)),
        Column("sellingPrice", cells.decimal),
        Column("reorderPoint", cells.decimal),
        Column("reorderQuantity", cells.decimal),
        Column("leadTimeDays", cells.integer),
        Column("allowNegativeStock", cells.boolean),
    ),
    key="sku",
    build=build_product,
    key_of=lambda p: p.sku,
    help="sku*, name*, description, unitOfMeasure (default 'unit'), barcode, isStocked "
    "(default true), costMethod (FIFO | MOVING_AVERAGE), sellingPrice, reorderPoint, "
    "reorderQuantity, leadTimeDays, allowNegativeStock",
)
