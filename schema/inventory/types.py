"""Inventory types: products, categories, warehouses, stock levels and movements, valuation,
reorder suggestions; their inputs, payloads and errors. Money is `Money`; quantities are
`Decimal` strings (up to 4 places; more is refused with a typed error, not a parse error)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self

import strawberry

from domain.inventory import model
from domain.inventory.model import CostMethod, MovementType
from schema.errors import UserError
from schema.relay import PageInfo
from schema.scalars import Money

strawberry.enum(
    CostMethod,
    name="CostMethod",
    description="How issues are valued: FIFO (oldest receipts first) or MOVING_AVERAGE.",
)
strawberry.enum(MovementType, name="StockMovementType", description="What moved the stock.")


def _id(value: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def money(value: Decimal) -> Money:
    return Money(value.quantize(model.PLACES))


def quantity(value: Decimal) -> Decimal:
    return value.quantize(model.PLACES)


@strawberry.type(description="A product or service a company buys, stocks or sells.")
class Product:
    id: strawberry.ID
    company_id: strawberry.ID
    sku: str
    name: str
    description: str | None
    category_id: strawberry.ID | None
    unit_of_measure: str
    barcode: str | None
    is_stocked: bool = strawberry.field(description="False: a service, never moved or counted.")
    cost_method: CostMethod
    selling_price: Money
    reorder_point: Decimal
    reorder_quantity: Decimal
    lead_time_days: int
    allow_negative_stock: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int = strawberry.field(description="Send it back with updateProduct.")

    @classmethod
    def of(cls, p: model.Product) -> Self:
        return cls(
            id=strawberry.ID(str(p.id)),
            company_id=strawberry.ID(str(p.company_id)),
            sku=p.sku,
            name=p.name,
            description=p.description,
            category_id=_id(p.category_id),
            unit_of_measure=p.unit_of_measure,
            barcode=p.barcode,
            is_stocked=p.is_stocked,
            cost_method=p.cost_method,
            selling_price=money(p.selling_price),
            reorder_point=quantity(p.reorder_point),
            reorder_quantity=quantity(p.reorder_quantity),
            lead_time_days=p.lead_time_days,
            allow_negative_stock=p.allow_negative_stock,
            is_active=p.is_active,
            created_at=p.created_at,
            updated_at=p.updated_at,
            version=p.version,
        )


@strawberry.type
class ProductEdge:
    cursor: str
    node: Product


@strawberry.type
class ProductConnection:
    edges: list[ProductEdge]
    page_info: PageInfo


@strawberry.type(
    description="Products of a category book to its accounts; an unset account means the "
    "company's account with the default code (inventory 1300, COGS 5110, adjustments 5400, "
    "goods received not invoiced 2120)."
)
class ProductCategory:
    id: strawberry.ID
    company_id: strawberry.ID
    name: str
    inventory_account_id: strawberry.ID | None
    cogs_account_id: strawberry.ID | None
    adjustment_account_id: strawberry.ID | None
    goods_received_account_id: strawberry.ID | None

    @classmethod
    def of(cls, c: model.ProductCategory) -> Self:
        return cls(
            id=strawberry.ID(str(c.id)),
            company_id=strawberry.ID(str(c.company_id)),
            name=c.name,
            inventory_account_id=_id(c.inventory_account_id),
            cogs_account_id=_id(c.cogs_account_id),
            adjustment_account_id=_id(c.adjustment_account_id),
            goods_received_account_id=_id(c.goods_received_account_id),
        )


@strawberry.type
class WarehouseLocation:
    id: strawberry.ID
    code: str
    name: str | None


@strawberry.type(description="A place stock is kept, with optional locations (bins) in it.")
class Warehouse:
    id: strawberry.ID
    company_id: strawberry.ID
    code: str
    name: str
    address: str | None
    is_active: bool
    locations: list[WarehouseLocation]
    version: int = strawberry.field(description="Send it back with updateWarehouse.")

    @classmethod
    def of(cls, w: model.Warehouse) -> Self:
        return cls(
            id=strawberry.ID(str(w.id)),
            company_id=strawberry.ID(str(w.company_id)),
            code=w.code,
            name=w.name,
            address=w.address,
            is_active=w.is_active,
            version=w.version,
            locations=[
                WarehouseLocation(id=strawberry.ID(str(loc.id)), code=loc.code, name=loc.name)
                for loc in w.locations
            ],
        )


@strawberry.type(description="A product's stock in one warehouse.")
class StockLevel:
    product_id: strawberry.ID
    warehouse_id: strawberry.ID
    on_hand: Decimal
    reserved: Decimal = strawberry.field(description="Promised to sales orders.")
    available: Decimal = strawberry.field(description="On hand minus reserved.")
    incoming: Decimal = strawberry.field(description="Expected from purchase orders.")
    value: Money = strawberry.field(description="Stock value under the product's cost method.")
    unit_cost: Money = strawberry.field(description="Value / on hand (0 when none on hand).")

    product: Product | None = strawberry.field(
        default=None, description="The product (batched: one query per request)."
    )
    warehouse: Warehouse | None = strawberry.field(
        default=None, description="The warehouse (batched: one query per request)."
    )

    @classmethod
    def of(cls, level: model.StockLevel) -> Self:
        unit = level.value / level.on_hand if level.on_hand > 0 else Decimal(0)
        return cls(
            product_id=strawberry.ID(str(level.product_id)),
            warehouse_id=strawberry.ID(str(level.warehouse_id)),
            on_hand=quantity(level.on_hand),
            reserved=quantity(level.reserved),
            available=quantity(level.available),
            incoming=quantity(level.incoming),
            value=money(level.value),
            unit_cost=money(unit),
        )

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        on_hand, value = Decimal(payload["onHand"]), Decimal(payload["value"])
        return cls(
            product_id=strawberry.ID(payload["productId"]),
            warehouse_id=strawberry.ID(payload["warehouseId"]),
            on_hand=quantity(on_hand),
            reserved=quantity(Decimal(payload["reserved"])),
            available=quantity(Decimal(payload["available"])),
            incoming=quantity(Decimal(payload["incoming"])),
            value=money(value),
            unit_cost=money(value / on_hand if on_hand > 0 else Decimal(0)),
        )


async def with_references(info: strawberry.Info, levels: list[StockLevel]) -> list[StockLevel]:
    """Fill in each level's product and warehouse: one batched load of each for the whole list,
    so the levels are plain objects (schema/fast_paths/execution.py completes them without per-field
    resolvers) and a page costs the same statements whatever its size."""
    wanted = _selected_names(info.selected_fields)
    loaders = info.context.loaders
    if "product" in wanted and levels:
        products = await loaders.product_by_id.load_many(
            [uuid.UUID(lv.product_id) for lv in levels]
        )
        for level, product in zip(levels, products, strict=True):
            level.product = Product.of(product) if product is not None else None
    if "warehouse" in wanted and levels:
        places = await loaders.warehouse_by_id.load_many(
            [uuid.UUID(lv.warehouse_id) for lv in levels]
        )
        for level, place in zip(levels, places, strict=True):
            level.warehouse = Warehouse.of(place) if place is not None else None
    return levels


def _selected_names(selections: Any) -> set[str]:
    """Every field name selected anywhere below (fragments included): what is worth loading."""
    names: set[str] = set()
    for selection in selections or []:
        name = getattr(selection, "name", None)
        if name:
            names.add(name)
        names |= _selected_names(getattr(selection, "selections", None))
    return names


@strawberry.type
class StockLevelEdge:
    cursor: str
    node: StockLevel


@strawberry.type
class StockLevelConnection:
    edges: list[StockLevelEdge]
    page_info: PageInfo


@strawberry.input
class StockLevelFilter:
    product_id: strawberry.ID | None = None
    warehouse_id: strawberry.ID | None = None
    below_reorder: bool = strawberry.field(
        default=False,
        description="Only levels whose product's total available + incoming is at or below "
        "its reorder point.",
    )


@strawberry.type(description="One change of stock: the only way quantities change.")
class StockMovement:
    id: strawberry.ID
    product_id: strawberry.ID
    warehouse_id: strawberry.ID
    type: MovementType
    occurred_on: date
    quantity: Decimal = strawberry.field(description="Signed: positive in, negative out.")
    value: Money = strawberry.field(description="The change in stock value (signed).")
    reason: str
    reference_type: str
    reference_id: strawberry.ID
    transfer_id: strawberry.ID | None
    journal_entry_id: strawberry.ID | None
    created_at: datetime


@strawberry.type
class StockMovementEdge:
    cursor: str
    node: StockMovement


@strawberry.type
class StockMovementConnection:
    edges: list[StockMovementEdge]
    page_info: PageInfo


@strawberry.input
class StockMovementFilter:
    product_id: strawberry.ID | None = None
    warehouse_id: strawberry.ID | None = None
    date_from: date | None = None
    date_to: date | None = None


@strawberry.type
class StockValuationLine:
    product_id: strawberry.ID
    warehouse_id: strawberry.ID
    quantity: Decimal
    value: Money

    @strawberry.field
    async def product(self, info: strawberry.Info) -> Product | None:
        found = await info.context.loaders.product_by_id.load(uuid.UUID(self.product_id))
        return Product.of(found) if found is not None else None

    @strawberry.field
    async def warehouse(self, info: strawberry.Info) -> Warehouse | None:
        found = await info.context.loaders.warehouse_by_id.load(uuid.UUID(self.warehouse_id))
        return Warehouse.of(found) if found is not None else None


@strawberry.type
class ProductValuation:
    product_id: strawberry.ID
    quantity: Decimal
    value: Money


@strawberry.type
class WarehouseValuation:
    warehouse_id: strawberry.ID
    quantity: Decimal
    value: Money


@strawberry.type(
    description="Stock value as of a date (FIFO layers / moving average, with back-dated "
    "movements already re-valued): per product and warehouse, per product, per warehouse, goods in "
    "transit between warehouses, and the total — which equals the inventory accounts' balance "
    "on that date."
)
class StockValuation:
    company_id: strawberry.ID
    as_of: date
    lines: list[StockValuationLine]
    products: list[ProductValuation] = strawberry.field(
        description="Per product, over its warehouses."
    )
    warehouses: list[WarehouseValuation]
    in_transit_value: Money
    total_value: Money


@strawberry.type(description="A product to reorder, with how much (see README: Inventory).")
class ReorderSuggestion:
    product_id: strawberry.ID
    on_hand: Decimal
    available: Decimal
    incoming: Decimal
    reorder_point: Decimal
    average_daily_usage: Decimal
    lead_time_days: int
    safety_stock: Decimal
    suggested_quantity: Decimal

    @strawberry.field
    async def product(self, info: strawberry.Info) -> Product | None:
        found = await info.context.loaders.product_by_id.load(uuid.UUID(self.product_id))
        return Product.of(found) if found is not None else None


@strawberry.type
class StockTransfer:
    id: strawberry.ID
    product_id: strawberry.ID
    from_warehouse_id: strawberry.ID
    to_warehouse_id: strawberry.ID
    quantity: Decimal
    value: Money
    status: str = strawberry.field(description="IN_TRANSIT or RECEIVED.")
    shipped_on: date
    received_on: date | None


# -- inputs ---------------------------------------------------------------------------------------


@strawberry.input
class CreateProductCategoryInput:
    company_id: strawberry.ID
    name: str
    inventory_account_id: strawberry.ID | None = None
    cogs_account_id: strawberry.ID | None = None
    adjustment_account_id: strawberry.ID | None = None
    goods_received_account_id: strawberry.ID | None = None


@strawberry.input
class CreateProductInput:
    company_id: strawberry.ID
    sku: str
    name: str
    description: str | None = None
    category_id: strawberry.ID | None = None
    unit_of_measure: str = "unit"
    barcode: str | None = None
    is_stocked: bool = True
    cost_method: CostMethod = CostMethod.FIFO
    selling_price: Money = Money(Decimal(0))
    reorder_point: Decimal = Decimal(0)
    reorder_quantity: Decimal = Decimal(0)
    lead_time_days: int = 0
    allow_negative_stock: bool = False


@strawberry.input(description="Only the fields sent change.")
class UpdateProductInput:
    id: strawberry.ID
    version: int
    sku: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    category_id: strawberry.ID | None = strawberry.UNSET
    unit_of_measure: str | None = strawberry.UNSET
    barcode: str | None = strawberry.UNSET
    is_stocked: bool | None = strawberry.UNSET
    cost_method: CostMethod | None = strawberry.UNSET
    selling_price: Money | None = strawberry.UNSET
    reorder_point: Decimal | None = strawberry.UNSET
    reorder_quantity: Decimal | None = strawberry.UNSET
    lead_time_days: int | None = strawberry.UNSET
    allow_negative_stock: bool | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET


@strawberry.input
class WarehouseLocationInput:
    code: str
    name: str | None = None


@strawberry.input
class CreateWarehouseInput:
    company_id: strawberry.ID
    code: str
    name: str
    address: str | None = None
    locations: list[WarehouseLocationInput] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields sent change; isActive: false stops movements.")
class UpdateWarehouseInput:
    id: strawberry.ID
    version: int
    name: str | None = None
    address: str | None = None
    is_active: bool | None = None


@strawberry.input(description="Give countedQuantity (a stock count) or delta, not both.")
class AdjustStockInput:
    company_id: strawberry.ID
    product_id: strawberry.ID
    warehouse_id: strawberry.ID
    reason: str
    counted_quantity: Decimal | None = None
    delta: Decimal | None = None
    unit_cost: Decimal | None = strawberry.field(
        default=None, description="Cost of added units; default the current unit cost."
    )
    occurred_on: date | None = strawberry.field(
        default=None, description="Default today; an earlier date re-values later movements."
    )
    location_id: strawberry.ID | None = None


@strawberry.input
class TransferStockInput:
    company_id: strawberry.ID
    product_id: strawberry.ID
    from_warehouse_id: strawberry.ID
    to_warehouse_id: strawberry.ID
    quantity: Decimal
    reason: str
    in_transit: bool = strawberry.field(
        default=False,
        description="True: the goods leave now and arrive with receiveTransfer.",
    )
    occurred_on: date | None = None


@strawberry.input
class ReceiveTransferInput:
    id: strawberry.ID
    occurred_on: date | None = None


# -- payloads and errors --------------------------------------------------------------------------


@strawberry.type
class ProductError(UserError):
    pass


@strawberry.type
class WarehouseError(UserError):
    pass


@strawberry.type(description="`field` names the input at fault (`delta`, `quantity`, ...).")
class StockError(UserError):
    pass


@strawberry.type
class ProductPayload:
    product: Product | None
    errors: list[ProductError]


@strawberry.type
class ProductCategoryPayload:
    category: ProductCategory | None
    errors: list[ProductError]


@strawberry.type
class WarehousePayload:
    warehouse: Warehouse | None
    errors: list[WarehouseError]


@strawberry.type
class StockPayload:
    levels: list[StockLevel] = strawberry.field(
        description="The levels after the change (a transfer: source, then destination)."
    )
    movement_ids: list[strawberry.ID]
    transfer: StockTransfer | None
    errors: list[StockError]
