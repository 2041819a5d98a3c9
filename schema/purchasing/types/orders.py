"""Purchasing GraphQL types: purchase orders and goods receipts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self

import strawberry

from domain.purchasing import model
from domain.purchasing.model import OrderStatus
from schema.inventory.types import Product
from schema.purchasing.types.common import _sid, load_product, money, quantity, rate
from schema.purchasing.types.suppliers import Supplier, load_supplier
from schema.relay import PageInfo
from schema.scalars import Money


@strawberry.type
class PurchaseOrderLine:
    id: strawberry.ID
    line_number: int
    product_id: strawberry.ID
    description: str | None
    quantity: Decimal
    unit_price: Money
    amount: Money
    received_quantity: Decimal
    outstanding_quantity: Decimal = strawberry.field(description="Still to be received.")

    @strawberry.field
    async def product(self, info: strawberry.Info) -> Product | None:
        return await load_product(info, self.product_id)

    @classmethod
    def of(cls, line: model.OrderLine) -> Self:
        return cls(
            id=_sid(line.id),
            line_number=line.line_number,
            product_id=_sid(line.product_id),
            description=line.description,
            quantity=quantity(line.quantity),
            unit_price=money(line.unit_price),
            amount=money(line.amount),
            received_quantity=quantity(line.received_quantity),
            outstanding_quantity=quantity(line.outstanding),
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=_sid(row["id"]),
            line_number=row["line_number"],
            product_id=_sid(row["product_id"]),
            description=row["description"],
            quantity=quantity(row["quantity"]),
            unit_price=money(row["unit_price"]),
            amount=money(row["amount"]),
            received_quantity=quantity(row["received_quantity"]),
            outstanding_quantity=quantity(row["quantity"] - row["received_quantity"]),
        )


@strawberry.type
class GoodsReceiptLine:
    id: strawberry.ID
    line_number: int
    order_line_id: strawberry.ID
    product_id: strawberry.ID
    warehouse_id: strawberry.ID
    quantity: Decimal
    unit_price: Money = strawberry.field(description="The order's price (document currency).")
    unit_cost: Money = strawberry.field(description="Base currency per unit, as stocked.")
    value: Money = strawberry.field(description="Booked to inventory and GRNI (base).")
    billed_quantity: Decimal

    @strawberry.field
    async def product(self, info: strawberry.Info) -> Product | None:
        return await load_product(info, self.product_id)

    @classmethod
    def of(cls, line: model.ReceiptLine) -> Self:
        return cls(
            id=_sid(line.id),
            line_number=line.line_number,
            order_line_id=_sid(line.order_line_id),
            product_id=_sid(line.product_id),
            warehouse_id=_sid(line.warehouse_id),
            quantity=quantity(line.quantity),
            unit_price=money(line.unit_price),
            unit_cost=money(line.unit_cost),
            value=money(line.value),
            billed_quantity=quantity(line.billed_quantity),
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls.of(
            model.ReceiptLine(**{k: row[k] for k in model.ReceiptLine.__dataclass_fields__})
        )


@strawberry.type(description="Goods in from a purchase order: stock in at cost, Cr GRNI.")
class GoodsReceipt:
    id: strawberry.ID
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    purchase_order_id: strawberry.ID
    number: str
    receipt_date: date
    currency_code: str
    exchange_rate: Decimal
    notes: str | None
    created_at: datetime
    preloaded_lines: strawberry.Private[list[model.ReceiptLine] | None] = None

    @strawberry.field
    async def lines(self, info: strawberry.Info) -> list[GoodsReceiptLine]:
        if self.preloaded_lines is not None:
            return [GoodsReceiptLine.of(line) for line in self.preloaded_lines]
        rows = await info.context.loaders.receipt_lines_by_receipt.load(uuid.UUID(self.id))
        return [GoodsReceiptLine.from_row(r) for r in rows]

    @strawberry.field
    async def supplier(self, info: strawberry.Info) -> Supplier | None:
        return await load_supplier(info, uuid.UUID(self.supplier_id))

    @classmethod
    def of(cls, r: model.GoodsReceipt) -> Self:
        return cls(
            id=_sid(r.id),
            company_id=_sid(r.company_id),
            supplier_id=_sid(r.supplier_id),
            purchase_order_id=_sid(r.order_id),
            number=r.number,
            receipt_date=r.receipt_date,
            currency_code=r.currency_code,
            exchange_rate=rate(r.exchange_rate) or Decimal(1),
            notes=r.notes,
            created_at=r.created_at,
            preloaded_lines=r.lines,
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=_sid(row["id"]),
            company_id=_sid(row["company_id"]),
            supplier_id=_sid(row["supplier_id"]),
            purchase_order_id=_sid(row["order_id"]),
            number=row["number"],
            receipt_date=row["receipt_date"],
            currency_code=row["currency_code"],
            exchange_rate=rate(row["exchange_rate"]) or Decimal(1),
            notes=row["notes"],
            created_at=row["created_at"],
        )


@strawberry.type
class GoodsReceiptEdge:
    cursor: str
    node: GoodsReceipt


@strawberry.type
class GoodsReceiptConnection:
    edges: list[GoodsReceiptEdge]
    page_info: PageInfo


@strawberry.type(description="An order to a supplier; its quantities are expected as incoming.")
class PurchaseOrder:
    id: strawberry.ID
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    number: str
    order_date: date
    expected_date: date | None
    warehouse_id: strawberry.ID
    currency_code: str
    status: OrderStatus
    notes: str | None
    total: Money
    created_at: datetime
    version: int
    preloaded_lines: strawberry.Private[list[model.OrderLine] | None] = None

    @strawberry.field
    async def lines(self, info: strawberry.Info) -> list[PurchaseOrderLine]:
        if self.preloaded_lines is not None:
            return [PurchaseOrderLine.of(line) for line in self.preloaded_lines]
        rows = await info.context.loaders.order_lines_by_order.load(uuid.UUID(self.id))
        return [PurchaseOrderLine.from_row(r) for r in rows]

    @strawberry.field
    async def supplier(self, info: strawberry.Info) -> Supplier | None:
        return await load_supplier(info, uuid.UUID(self.supplier_id))

    @strawberry.field(description="The goods receipts against this order, oldest first.")
    async def receipts(self, info: strawberry.Info) -> list[GoodsReceipt]:
        rows = await info.context.loaders.receipts_by_order.load(uuid.UUID(self.id))
        return [GoodsReceipt.from_row(r) for r in rows]

    @classmethod
    def of(cls, o: model.PurchaseOrder) -> Self:
        return cls(
            id=_sid(o.id),
            company_id=_sid(o.company_id),
            supplier_id=_sid(o.supplier_id),
            number=o.number,
            order_date=o.order_date,
            expected_date=o.expected_date,
            warehouse_id=_sid(o.warehouse_id),
            currency_code=o.currency_code,
            status=o.status,
            notes=o.notes,
            total=money(o.total),
            created_at=o.created_at,
            version=o.version,
            preloaded_lines=o.lines,
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=_sid(row["id"]),
            company_id=_sid(row["company_id"]),
            supplier_id=_sid(row["supplier_id"]),
            number=row["number"],
            order_date=row["order_date"],
            expected_date=row["expected_date"],
            warehouse_id=_sid(row["warehouse_id"]),
            currency_code=row["currency_code"],
            status=OrderStatus(row["status"]),
            notes=row["notes"],
            total=money(row["total"]),
            created_at=row["created_at"],
            version=row["version"],
        )


@strawberry.type
class PurchaseOrderEdge:
    cursor: str
    node: PurchaseOrder


@strawberry.type
class PurchaseOrderConnection:
    edges: list[PurchaseOrderEdge]
    page_info: PageInfo
