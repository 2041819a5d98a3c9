"""Inventory queries: products, warehouses, stock levels and movements, valuation, reorder
suggestions. Companies the caller may not enter show nothing (empty lists, nulls)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import strawberry

from db.readmodels.inventory import (
    movements_page,
    products_page,
    reorder_candidates,
    stock_levels_page,
    valuation,
    warehouses_of,
)
from domain.inventory.reorder import suggest
from resolvers.company.scope import enterable_company, visible_company
from resolvers.errors import bad_input
from resolvers.ids import argument_id
from schema.cursors import ID_PAIR, NAME, SEQUENCE
from schema.inventory.types import (
    Product,
    ProductConnection,
    ProductEdge,
    ProductValuation,
    ReorderSuggestion,
    StockLevel,
    StockLevelConnection,
    StockLevelEdge,
    StockLevelFilter,
    StockMovement,
    StockMovementConnection,
    StockMovementEdge,
    StockMovementFilter,
    StockValuation,
    StockValuationLine,
    Warehouse,
    WarehouseValuation,
    money,
    quantity,
    with_references,
)
from schema.permissions import guarded
from schema.relay import page_info, page_size

MAX_WINDOW_DAYS = 366


@strawberry.type
class InventoryQueries:
    @strawberry.field(
        **guarded(
            "product:read",
            "A company's products in SKU order; `search` matches SKU, name or barcode "
            "(case-insensitive, any part).",
        )
    )
    async def products(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        search: str | None = None,
        first: int | None = 50,
        after: str | None = None,
        include_inactive: bool = True,
    ) -> ProductConnection:
        size = page_size(first)
        position = NAME.decode(after) if after else None
        company = enterable_company(info, company_id)
        rows = (
            await products_page(
                info.context.tenant_engine,
                company_id=company,
                search=search,
                first=size,
                after=position,
                include_inactive=include_inactive,
            )
            if company is not None
            else []
        )
        edges = [
            ProductEdge(cursor=NAME.encode(p.sku, p.id), node=Product.of(p)) for p in rows[:size]
        ]
        return ProductConnection(
            edges=edges,
            page_info=page_info(edges, len(rows) > size, after is not None),
        )

    @strawberry.field(**guarded("product:read", "One product, or null."))
    async def product(self, info: strawberry.Info, id: strawberry.ID) -> Product | None:
        found = await info.context.loaders.product_by_id.load(argument_id(id, "id"))
        if found is None or not info.context.grants.can_enter(found.company_id):
            return None
        return Product.of(found)

    @strawberry.field(**guarded("warehouse:read", "A company's warehouses in code order."))
    async def warehouses(self, info: strawberry.Info, company_id: strawberry.ID) -> list[Warehouse]:
        company = enterable_company(info, company_id)
        if company is None:
            return []
        return [Warehouse.of(w) for w in await warehouses_of(info.context.tenant_engine, company)]

    @strawberry.field(
        **guarded(
            "stock:read",
            "Stock per product and warehouse (on hand, reserved, available, incoming, value). "
            "Nested product and warehouse are batched: the statement count does not grow "
            "with the page.",
        )
    )
    async def stock_levels(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        filter: StockLevelFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> StockLevelConnection:
        size = page_size(first)
        position = ID_PAIR.decode(after) if after else None
        wanted = filter or StockLevelFilter()
        company = enterable_company(info, company_id)
        rows = (
            await stock_levels_page(
                info.context.tenant_engine,
                company_id=company,
                product_id=argument_id(wanted.product_id, "filter.productId")
                if wanted.product_id
                else None,
                warehouse_id=argument_id(wanted.warehouse_id, "filter.warehouseId")
                if wanted.warehouse_id
                else None,
                below_reorder=wanted.below_reorder,
                first=size,
                after=position,
            )
            if company is not None
            else []
        )
        nodes = await with_references(info, [StockLevel.of(level) for level in rows[:size]])
        edges = [
            StockLevelEdge(cursor=ID_PAIR.encode(node.product_id, node.warehouse_id), node=node)
            for node in nodes
        ]
        return StockLevelConnection(
            edges=edges,
            page_info=page_info(edges, len(rows) > size, after is not None),
        )

    @strawberry.field(
        **guarded("stock:read", "A company's stock movements in the order they were recorded.")
    )
    async def stock_movements(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        filter: StockMovementFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> StockMovementConnection:
        size = page_size(first)
        position = SEQUENCE.decode(after)[0] if after else None
        wanted = filter or StockMovementFilter()
        company = enterable_company(info, company_id)
        rows = (
            await movements_page(
                info.context.tenant_engine,
                company_id=company,
                product_id=argument_id(wanted.product_id, "filter.productId")
                if wanted.product_id
                else None,
                warehouse_id=argument_id(wanted.warehouse_id, "filter.warehouseId")
                if wanted.warehouse_id
                else None,
                date_from=wanted.date_from,
                date_to=wanted.date_to,
                first=size,
                after=position,
            )
            if company is not None
            else []
        )
        edges = [
            StockMovementEdge(
                cursor=SEQUENCE.encode(r["seq"]),
                node=StockMovement(
                    id=strawberry.ID(str(r["id"])),
                    product_id=strawberry.ID(str(r["product_id"])),
                    warehouse_id=strawberry.ID(str(r["warehouse_id"])),
                    type=r["movement_type"],
                    occurred_on=r["occurred_on"],
                    quantity=quantity(r["quantity"]),
                    value=money(r["value"]),
                    reason=r["reason"],
                    reference_type=r["reference_type"],
                    reference_id=strawberry.ID(str(r["reference_id"])),
                    transfer_id=strawberry.ID(str(r["transfer_id"])) if r["transfer_id"] else None,
                    journal_entry_id=strawberry.ID(str(r["transaction_id"]))
                    if r["transaction_id"]
                    else None,
                    created_at=r["created_at"],
                ),
            )
            for r in rows[:size]
        ]
        return StockMovementConnection(
            edges=edges,
            page_info=page_info(edges, len(rows) > size, after is not None),
        )

    @strawberry.field(
        **guarded(
            "stock:read",
            "Stock value as of the end of `asOf` (default today), per product and warehouse.",
        )
    )
    async def stock_valuation(
        self, info: strawberry.Info, company_id: strawberry.ID, as_of: date | None = None
    ) -> StockValuation | None:
        company = await visible_company(info, company_id)
        if company is None:
            return None
        day = as_of or date.today()
        lines, in_transit = await valuation(info.context.tenant_engine, company, day)
        per_warehouse: dict[uuid.UUID, list[Decimal]] = {}
        per_product: dict[uuid.UUID, list[Decimal]] = {}
        for line in lines:
            for totals in (
                per_warehouse.setdefault(line.warehouse_id, [Decimal(0), Decimal(0)]),
                per_product.setdefault(line.product_id, [Decimal(0), Decimal(0)]),
            ):
                totals[0] += line.quantity
                totals[1] += line.value
        total = sum((line.value for line in lines), in_transit)
        return StockValuation(
            company_id=strawberry.ID(str(company)),
            as_of=day,
            lines=[
                StockValuationLine(
                    product_id=strawberry.ID(str(line.product_id)),
                    warehouse_id=strawberry.ID(str(line.warehouse_id)),
                    quantity=quantity(line.quantity),
                    value=money(line.value),
                )
                for line in lines
            ],
            products=[
                ProductValuation(
                    product_id=strawberry.ID(str(p)), quantity=quantity(q), value=money(v)
                )
                for p, (q, v) in sorted(per_product.items(), key=lambda kv: str(kv[0]))
            ],
            warehouses=[
                WarehouseValuation(
                    warehouse_id=strawberry.ID(str(w)),
                    quantity=quantity(q),
                    value=money(v),
                )
                for w, (q, v) in sorted(per_warehouse.items(), key=lambda kv: str(kv[0]))
            ],
            in_transit_value=money(in_transit),
            total_value=money(total),
        )

    @strawberry.field(
        **guarded(
            "stock:read",
            "Products at or below their reorder point with a suggested order quantity: "
            "average daily issues over `windowDays` x lead time + safety stock "
            "(`safetyDays` of average usage), rounded up to the reorder quantity.",
        )
    )
    async def reorder_suggestions(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        warehouse_id: strawberry.ID | None = None,
        window_days: int = 30,
        safety_days: int = 7,
        as_of: date | None = None,
    ) -> list[ReorderSuggestion]:
        if not 1 <= window_days <= MAX_WINDOW_DAYS:
            raise bad_input(f"`windowDays` is 1 to {MAX_WINDOW_DAYS}.", "windowDays")
        if not 0 <= safety_days <= MAX_WINDOW_DAYS:
            raise bad_input(f"`safetyDays` is 0 to {MAX_WINDOW_DAYS}.", "safetyDays")
        company = await visible_company(info, company_id)
        if company is None:
            return []
        warehouse = argument_id(warehouse_id, "warehouseId") if warehouse_id else None
        if warehouse is not None:
            found = await info.context.loaders.warehouse_by_id.load(warehouse)
            if found is None or found.company_id != company:
                return []  # another company's warehouse is none of this company's
        rows = await reorder_candidates(
            info.context.tenant_engine,
            company_id=company,
            as_of=as_of or date.today(),
            window_days=window_days,
            warehouse_id=warehouse,
        )
        out: list[ReorderSuggestion] = []
        for row in rows:
            found = suggest(
                row.product,
                on_hand=row.on_hand,
                reserved=row.reserved,
                incoming=row.incoming,
                issued_in_window=row.issued,
                window_days=window_days,
                safety_days=safety_days,
            )
            if found is None:
                continue
            out.append(
                ReorderSuggestion(
                    product_id=strawberry.ID(str(row.product.id)),
                    on_hand=quantity(found.on_hand),
                    available=quantity(found.available),
                    incoming=quantity(found.incoming),
                    reorder_point=quantity(row.product.reorder_point),
                    average_daily_usage=quantity(found.average_daily_usage),
                    lead_time_days=row.product.lead_time_days,
                    safety_stock=quantity(found.safety_stock),
                    suggested_quantity=quantity(found.suggested_quantity),
                )
            )
        return out
