"""Inventory reads: products, warehouses, stock levels and movements, valuation, reorder data.

Each function is one SQL statement whatever the number of rows, so a query's statement count
does not grow with page size. Valuation as of a date sums the per-day read model
(`stock_daily`, maintained by every movement and every re-valuation), never the movements.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, literal_column, or_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from db.repositories.inventory import PRODUCT_COLUMNS, level_from_row, product_from_row
from db.tables.inventory import (
    products,
    stock_daily,
    stock_levels,
    stock_movements,
    stock_transfers,
    warehouse_locations,
    warehouses,
)
from domain.inventory.model import Product, StockLevel, Warehouse, WarehouseLocation

ZERO = Decimal(0)


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def products_page(
    engine: AsyncEngine,
    *,
    company_id: uuid.UUID,
    search: str | None,
    first: int,
    after: tuple[str, uuid.UUID] | None,
    include_inactive: bool = True,
) -> list[Product]:
    """Keyset page in SKU order; `search` matches SKU, name or barcode (case-insensitive,
    anywhere in the text). One extra row tells whether there is a next page."""
    p = products.c
    query = select(*PRODUCT_COLUMNS).where(p.company_id == company_id)
    if search and search.strip():
        pattern = _like(search.strip())
        query = query.where(
            or_(p.sku.ilike(pattern), p.name.ilike(pattern), p.barcode.ilike(pattern))
        )
    if not include_inactive:
        query = query.where(p.is_active.is_(True))
    if after is not None:
        query = query.where(tuple_(p.sku, p.id) > tuple_(*after))
    query = query.order_by(p.sku, p.id).limit(first + 1)
    async with engine.connect() as conn:
        return [product_from_row(r._mapping) for r in await conn.execute(query)]


async def products_by_id(engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Product]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(*PRODUCT_COLUMNS).where(products.c.id.in_(list(ids))))
        return {r.id: product_from_row(r._mapping) for r in rows}


_LOCATIONS = (
    select(
        func.coalesce(
            func.json_agg(
                func.json_build_object(
                    "id",
                    warehouse_locations.c.id,
                    "code",
                    warehouse_locations.c.code,
                    "name",
                    warehouse_locations.c.name,
                )
            ),
            literal_column("'[]'::json"),
        )
    )
    .where(warehouse_locations.c.warehouse_id == warehouses.c.id)
    .scalar_subquery()
    .label("locations")
)


def _warehouse(row: Any) -> Warehouse:
    m = row._mapping
    return Warehouse(
        id=m["id"],
        company_id=m["company_id"],
        code=m["code"],
        name=m["name"],
        address=m["address"],
        is_active=m["is_active"],
        created_at=m["created_at"],
        created_by=m["created_by"],
        version=m["version"],
        locations=sorted(
            (
                WarehouseLocation(uuid.UUID(loc["id"]), m["id"], loc["code"], loc["name"])
                for loc in m["locations"] or []
            ),
            key=lambda loc: loc.code,
        ),
    )


async def warehouses_of(engine: AsyncEngine, company_id: uuid.UUID) -> list[Warehouse]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(warehouses, _LOCATIONS)
            .where(warehouses.c.company_id == company_id)
            .order_by(warehouses.c.code)
        )
        return [_warehouse(r) for r in rows]


async def warehouses_by_id(
    engine: AsyncEngine, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Warehouse]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(warehouses, _LOCATIONS).where(warehouses.c.id.in_(list(ids)))
        )
        return {r.id: _warehouse(r) for r in rows}


def _below_reorder(company_id: uuid.UUID) -> Any:
    """Products whose total available + incoming is at or below their reorder point."""
    lv, p = stock_levels.c, products.c
    return (
        select(lv.product_id)
        .join(products, p.id == lv.product_id)
        .where(lv.company_id == company_id, p.is_active.is_(True), p.is_stocked.is_(True))
        .group_by(lv.product_id, p.reorder_point)
        .having(func.sum(lv.on_hand - lv.reserved + lv.incoming) <= p.reorder_point)
    )


async def stock_levels_page(
    engine: AsyncEngine,
    *,
    company_id: uuid.UUID,
    product_id: uuid.UUID | None,
    warehouse_id: uuid.UUID | None,
    below_reorder: bool,
    first: int,
    after: tuple[uuid.UUID, uuid.UUID] | None,
) -> list[StockLevel]:
    lv = stock_levels.c
    query = select(stock_levels).where(lv.company_id == company_id)
    if product_id is not None:
        query = query.where(lv.product_id == product_id)
    if warehouse_id is not None:
        query = query.where(lv.warehouse_id == warehouse_id)
    if below_reorder:
        query = query.where(lv.product_id.in_(_below_reorder(company_id)))
    if after is not None:
        query = query.where(tuple_(lv.product_id, lv.warehouse_id) > tuple_(*after))
    query = query.order_by(lv.product_id, lv.warehouse_id).limit(first + 1)
    async with engine.connect() as conn:
        return [level_from_row(r._mapping) for r in await conn.execute(query)]


Row = dict[str, Any]


async def movements_page(
    engine: AsyncEngine,
    *,
    company_id: uuid.UUID,
    product_id: uuid.UUID | None,
    warehouse_id: uuid.UUID | None,
    date_from: date | None,
    date_to: date | None,
    first: int,
    after: int | None,
) -> list[Row]:
    """Movements in the order they were recorded (seq); one extra row for hasNextPage."""
    m = stock_movements.c
    query = select(stock_movements).where(m.company_id == company_id)
    if product_id is not None:
        query = query.where(m.product_id == product_id)
    if warehouse_id is not None:
        query = query.where(m.warehouse_id == warehouse_id)
    if date_from is not None:
        query = query.where(m.occurred_on >= date_from)
    if date_to is not None:
        query = query.where(m.occurred_on <= date_to)
    if after is not None:
        query = query.where(m.seq > after)
    query = query.order_by(m.seq).limit(first + 1)
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(query)]


@dataclass(frozen=True)
class ValuationLine:
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: Decimal
    value: Decimal


async def valuation(
    engine: AsyncEngine, company_id: uuid.UUID, as_of: date
) -> tuple[list[ValuationLine], Decimal]:
    """Per product and warehouse, quantity and value as of the end of `as_of`; and the value
    of goods shipped between warehouses and not yet received on that day. One statement."""
    d = stock_daily.c
    t = stock_transfers.c
    in_transit = (
        select(func.coalesce(func.sum(t.value), 0))
        .where(
            t.company_id == company_id,
            t.shipped_on <= as_of,
            or_(t.received_on.is_(None), t.received_on > as_of),
        )
        .scalar_subquery()
    )
    query = (
        select(
            d.product_id,
            d.warehouse_id,
            func.sum(d.quantity).label("quantity"),
            func.sum(d.value).label("value"),
            in_transit.label("in_transit"),
        )
        .where(d.company_id == company_id, d.day <= as_of)
        .group_by(d.product_id, d.warehouse_id)
        .having(or_(func.sum(d.quantity) != 0, func.sum(d.value) != 0))
        .order_by(d.product_id, d.warehouse_id)
    )
    async with engine.connect() as conn:
        rows = list(await conn.execute(query))
        if not rows:
            transit = (await conn.execute(select(in_transit))).scalar_one()
            return [], Decimal(transit)
    lines = [ValuationLine(r.product_id, r.warehouse_id, r.quantity, r.value) for r in rows]
    return lines, Decimal(rows[0].in_transit)


@dataclass(frozen=True)
class ReorderRow:
    product: Product
    on_hand: Decimal
    reserved: Decimal
    incoming: Decimal
    issued: Decimal  # over the window


async def reorder_candidates(
    engine: AsyncEngine,
    *,
    company_id: uuid.UUID,
    as_of: date,
    window_days: int,
    warehouse_id: uuid.UUID | None,
) -> list[ReorderRow]:
    """Active stocked products with their totals (over all warehouses, or one) and the
    quantity issued in the `window_days` days up to `as_of`. One statement."""
    lv, d, p = stock_levels.c, stock_daily.c, products.c
    level_filter = [lv.product_id == p.id]
    daily_filter = [
        d.product_id == p.id,
        d.day > as_of - timedelta(days=window_days),
        d.day <= as_of,
    ]
    if warehouse_id is not None:
        level_filter.append(lv.warehouse_id == warehouse_id)
        daily_filter.append(d.warehouse_id == warehouse_id)
    totals = (
        select(
            func.coalesce(func.sum(lv.on_hand), 0).label("on_hand"),
            func.coalesce(func.sum(lv.reserved), 0).label("reserved"),
            func.coalesce(func.sum(lv.incoming), 0).label("incoming"),
        )
        .where(and_(*level_filter))
        .lateral("totals")
    )
    usage = (
        select(func.coalesce(func.sum(d.issued), 0).label("issued"))
        .where(and_(*daily_filter))
        .lateral("usage")
    )
    query = (
        select(
            *PRODUCT_COLUMNS, totals.c.on_hand, totals.c.reserved, totals.c.incoming, usage.c.issued
        )
        .select_from(products.join(totals, text("true")).join(usage, text("true")))
        .where(p.company_id == company_id, p.is_active.is_(True), p.is_stocked.is_(True))
        .order_by(p.sku)
    )
    async with engine.connect() as conn:
        rows = await conn.execute(query)
        return [
            ReorderRow(
                product_from_row(r._mapping),
                Decimal(r.on_hand),
                Decimal(r.reserved),
                Decimal(r.incoming),
                Decimal(r.issued),
            )
            for r in rows
        ]
