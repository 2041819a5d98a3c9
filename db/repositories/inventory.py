"""Inventory repositories, bound to one unit of work's connection (see db/unit_of_work.py)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db.crypto import tenant_schema
from db.driver_path.connection import driver_connection
from db.tables.inventory import (
    product_categories,
    products,
    stock_movements,
    stock_transfers,
    warehouse_locations,
    warehouses,
)
from domain.inventory.model import (
    CostMethod,
    MovementType,
    Product,
    ProductCategory,
    StockLevel,
    Warehouse,
    WarehouseLocation,
)
from domain.inventory.ports import (
    DailyChange,
    NewMovement,
    StockKey,
    StoredMovement,
    Transfer,
)
from domain.inventory.valuation import HistoryItem, Layer
from domain.shared.clock import utcnow
from domain.shared.errors import Conflict

PRODUCT_COLUMNS = [c for c in products.c]


def product_from_row(row: Mapping[Any, Any]) -> Product:
    return Product(
        id=row["id"],
        company_id=row["company_id"],
        sku=row["sku"],
        name=row["name"],
        description=row["description"],
        category_id=row["category_id"],
        unit_of_measure=row["unit_of_measure"],
        barcode=row["barcode"],
        is_stocked=row["is_stocked"],
        cost_method=CostMethod(row["cost_method"]),
        selling_price=row["selling_price"],
        reorder_point=row["reorder_point"],
        reorder_quantity=row["reorder_quantity"],
        lead_time_days=row["lead_time_days"],
        allow_negative_stock=row["allow_negative_stock"],
        is_active=row["is_active"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        created_by=row["created_by"],
        updated_by=row["updated_by"],
        version=row["version"],
    )


def _product_values(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "company_id": product.company_id,
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "category_id": product.category_id,
        "unit_of_measure": product.unit_of_measure,
        "barcode": product.barcode,
        "is_stocked": product.is_stocked,
        "cost_method": product.cost_method.value,
        "selling_price": product.selling_price,
        "reorder_point": product.reorder_point,
        "reorder_quantity": product.reorder_quantity,
        "lead_time_days": product.lead_time_days,
        "allow_negative_stock": product.allow_negative_stock,
        "is_active": product.is_active,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
        "created_by": product.created_by,
        "updated_by": product.updated_by,
        "version": product.version,
    }


def category_from_row(row: Mapping[Any, Any]) -> ProductCategory:
    return ProductCategory(
        id=row["id"],
        company_id=row["company_id"],
        name=row["name"],
        inventory_account_id=row["inventory_account_id"],
        cogs_account_id=row["cogs_account_id"],
        adjustment_account_id=row["adjustment_account_id"],
        goods_received_account_id=row["goods_received_account_id"],
        version=row["version"],
    )


def warehouse_from_row(row: Mapping[Any, Any]) -> Warehouse:
    return Warehouse(
        id=row["id"],
        company_id=row["company_id"],
        code=row["code"],
        name=row["name"],
        address=row["address"],
        is_active=row["is_active"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        version=row["version"],
    )


def level_from_row(row: Mapping[Any, Any]) -> StockLevel:
    return StockLevel(
        product_id=row["product_id"],
        warehouse_id=row["warehouse_id"],
        company_id=row["company_id"],
        on_hand=row["on_hand"],
        value=row["value"],
        reserved=row["reserved"],
        incoming=row["incoming"],
        last_unit_cost=row["last_unit_cost"],
        last_movement_on=row["last_movement_on"],
    )


class SqlProductRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get_many(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Product]:
        if not ids:
            return {}
        raw = await driver_connection(self._conn)
        rows = await raw.fetch(stock_sql(self._conn).products, list(ids))
        return {r["id"]: product_from_row(r) for r in rows}

    async def get_for_update(self, product_id: uuid.UUID) -> Product | None:
        # NO KEY UPDATE: stock movements hold KEY SHARE on the product (foreign keys) and must
        # not wait for a product edit
        row = (
            await self._conn.execute(
                select(*PRODUCT_COLUMNS)
                .where(products.c.id == product_id)
                .with_for_update(key_share=True)  # FOR NO KEY UPDATE
            )
        ).first()
        return product_from_row(row._mapping) if row else None

    async def sku_taken(
        self, company_id: uuid.UUID, sku: str, *, except_id: uuid.UUID | None = None
    ) -> bool:
        condition = and_(products.c.company_id == company_id, products.c.sku == sku)
        if except_id is not None:
            condition = and_(condition, products.c.id != except_id)
        return bool((await self._conn.execute(select(exists().where(condition)))).scalar())

    async def add(self, product: Product) -> None:
        await self._conn.execute(insert(products).values(**_product_values(product)))

    async def save(self, product: Product, *, previous_version: int) -> None:
        values = _product_values(product)
        for key in ("id", "company_id", "created_at", "created_by"):
            values.pop(key)
        result = await self._conn.execute(
            update(products)
            .where(products.c.id == product.id, products.c.version == previous_version)
            .values(**values)
        )
        if result.rowcount != 1:
            raise Conflict("The product was changed by someone else; reload and retry.")

    async def has_movements(self, product_id: uuid.UUID) -> bool:
        return bool(
            (
                await self._conn.execute(
                    select(exists().where(stock_movements.c.product_id == product_id))
                )
            ).scalar()
        )

    async def categories(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, ProductCategory]:
        if not ids:
            return {}
        rows = await self._conn.execute(
            select(product_categories).where(product_categories.c.id.in_(ids))
        )
        return {r.id: category_from_row(r._mapping) for r in rows}

    async def add_category(self, category: ProductCategory, actor: uuid.UUID) -> None:
        await self._conn.execute(
            insert(product_categories).values(
                id=category.id,
                company_id=category.company_id,
                name=category.name,
                inventory_account_id=category.inventory_account_id,
                cogs_account_id=category.cogs_account_id,
                adjustment_account_id=category.adjustment_account_id,
                goods_received_account_id=category.goods_received_account_id,
                created_by=actor,
                updated_by=actor,
            )
        )

    async def category_name_taken(self, company_id: uuid.UUID, name: str) -> bool:
        condition = and_(
            product_categories.c.company_id == company_id, product_categories.c.name == name
        )
        return bool((await self._conn.execute(select(exists().where(condition)))).scalar())


class SqlWarehouseRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get_many(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Warehouse]:
        if not ids:
            return {}
        raw = await driver_connection(self._conn)
        rows = await raw.fetch(stock_sql(self._conn).warehouses, list(ids))
        return {r["id"]: warehouse_from_row(r) for r in rows}

    async def get_for_update(self, warehouse_id: uuid.UUID) -> Warehouse | None:
        row = (
            await self._conn.execute(
                select(warehouses)
                .where(warehouses.c.id == warehouse_id)
                .with_for_update(key_share=True)  # FOR NO KEY UPDATE: movements keep going
            )
        ).first()
        return warehouse_from_row(row._mapping) if row else None

    async def save(self, warehouse: Warehouse, *, previous_version: int) -> None:
        result = await self._conn.execute(
            update(warehouses)
            .where(warehouses.c.id == warehouse.id, warehouses.c.version == previous_version)
            .values(
                name=warehouse.name,
                address=warehouse.address,
                is_active=warehouse.is_active,
                version=warehouse.version,
                updated_at=utcnow(),
            )
        )
        if result.rowcount != 1:
            raise Conflict("The warehouse was changed by someone else; reload and retry.")

    async def has_location(self, warehouse_id: uuid.UUID, location_id: uuid.UUID) -> bool:
        condition = and_(
            warehouse_locations.c.id == location_id,
            warehouse_locations.c.warehouse_id == warehouse_id,
        )
        return bool((await self._conn.execute(select(exists().where(condition)))).scalar())

    async def code_taken(self, company_id: uuid.UUID, code: str) -> bool:
        condition = and_(warehouses.c.company_id == company_id, warehouses.c.code == code)
        return bool((await self._conn.execute(select(exists().where(condition)))).scalar())

    async def add(self, warehouse: Warehouse) -> None:
        await self._conn.execute(
            insert(warehouses).values(
                id=warehouse.id,
                company_id=warehouse.company_id,
                code=warehouse.code,
                name=warehouse.name,
                address=warehouse.address,
                is_active=warehouse.is_active,
                created_at=warehouse.created_at,
                updated_at=warehouse.created_at,
                created_by=warehouse.created_by,
                updated_by=warehouse.created_by,
            )
        )
        if warehouse.locations:
            await self._conn.execute(
                insert(warehouse_locations),
                [_location_values(warehouse, loc) for loc in warehouse.locations],
            )


def _location_values(warehouse: Warehouse, location: WarehouseLocation) -> dict[str, Any]:
    return {
        "id": location.id,
        "warehouse_id": warehouse.id,
        "company_id": warehouse.company_id,
        "code": location.code,
        "name": location.name,
    }


_LEVEL_COLUMNS = (
    "product_id, warehouse_id, company_id, on_hand, value, reserved, incoming, last_unit_cost,"
    " last_movement_on"
)
_LAYER_COLUMNS = "seq, movement_id, received_on, quantity, value"


class StockSql:
    """The stock movement path's statements for one tenant schema, built once. Like the
    accounting posting path (`driver_connection`), they go straight to asyncpg, prepared once
    per connection: every movement runs them, and SQLAlchemy's compile and result machinery
    cost the API more CPU than the statements themselves. Multi-row writes take one array per
    column, so a statement's text never depends on how many rows it writes."""

    def __init__(self, schema: str) -> None:
        t = f'"{schema}".'
        product_columns = ", ".join(c.name for c in products.c)
        self.products = f"SELECT {product_columns} FROM {t}products WHERE id = ANY($1::uuid[])"
        self.warehouses = (
            "SELECT id, company_id, code, name, address, is_active, created_at, created_by,"
            f" version FROM {t}warehouses WHERE id = ANY($1::uuid[])"
        )
        # Creates missing rows and locks all of them in one statement: ON CONFLICT DO UPDATE
        # takes each row's lock, row by row in the input order — (product, warehouse) order.
        self.lock_levels = (
            f"INSERT INTO {t}stock_levels AS l (product_id, warehouse_id, company_id)"
            " SELECT k.p, k.w, $3 FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY"
            " AS k(p, w, n) ORDER BY k.n"
            " ON CONFLICT (product_id, warehouse_id) DO UPDATE SET company_id = l.company_id"
            f" RETURNING {_LEVEL_COLUMNS}"
        )
        key = "product_id = $1 AND warehouse_id = $2"
        self.all_layers = (
            f"SELECT {_LAYER_COLUMNS} FROM {t}stock_layers WHERE {key} ORDER BY received_on, seq"
        )
        self.deficit_layers = (
            f"SELECT {_LAYER_COLUMNS} FROM {t}stock_layers WHERE {key} AND quantity < 0"
            " ORDER BY received_on, seq"
        )
        # the oldest layers until the quantity is covered: a long queue of receipts is summed
        # in the database, not shipped to the app on every issue
        self.covering_layers = (
            f"SELECT {_LAYER_COLUMNS} FROM (SELECT {_LAYER_COLUMNS}, sum(quantity) OVER"
            f" (ORDER BY received_on, seq) - quantity AS before FROM {t}stock_layers"
            f" WHERE {key}) l WHERE before < $3 ORDER BY received_on, seq"
        )
        self.delete_layers = f"DELETE FROM {t}stock_layers WHERE {key} AND seq = ANY($3::bigint[])"
        self.update_layer = (
            f"UPDATE {t}stock_layers SET quantity = $4, value = $5 WHERE {key} AND seq = $3"
        )
        self.insert_layers = (
            f"INSERT INTO {t}stock_layers (product_id, warehouse_id, movement_id, seq,"
            " received_on, quantity, value) SELECT $1, $2, m, s, d, q, v FROM unnest($3::uuid[],"
            " $4::bigint[], $5::date[], $6::numeric[], $7::numeric[]) AS x(m, s, d, q, v)"
        )
        self.add_movement = (
            f"INSERT INTO {t}stock_movements (id, company_id, product_id, warehouse_id,"
            " location_id, movement_type, occurred_on, quantity, nominal_value, value, reason,"
            " reference_type, reference_id, transfer_id, inventory_account_id,"
            " counter_account_id, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
            " $11, $12, $13, $14, $15, $16, $17) RETURNING seq"
        )
        # Re-valued movements, and in the same statement the document lines that show the cost
        # of an issue among them (an invoice's or a delivery's, and an invoice billing that
        # delivery): a line's cost is what the ledger's COGS carries for its goods.
        self.set_values = (
            f"WITH moved AS (UPDATE {t}stock_movements m SET value = v.value"
            " FROM unnest($1::uuid[], $2::numeric[]) AS v(id, value) WHERE m.id = v.id"
            " RETURNING m.id, m.quantity, m.value)"
            f" UPDATE {t}sales_document_lines l SET cost_amount = -moved.value FROM moved"
            " WHERE l.stock_movement_id = moved.id AND moved.quantity < 0"
        )
        self.set_transaction = (
            f"UPDATE {t}stock_movements SET transaction_id = $2 WHERE id = ANY($1::uuid[])"
        )
        self.add_daily = (
            f"INSERT INTO {t}stock_daily AS d (product_id, warehouse_id, day, company_id,"
            " quantity, value, issued) SELECT p, w, y, $1, q, v, i FROM unnest($2::uuid[],"
            " $3::uuid[], $4::date[], $5::numeric[], $6::numeric[], $7::numeric[])"
            " AS x(p, w, y, q, v, i)"
            " ON CONFLICT (product_id, warehouse_id, day) DO UPDATE SET"
            " quantity = d.quantity + excluded.quantity, value = d.value + excluded.value,"
            " issued = d.issued + excluded.issued"
        )
        self.save_level = (
            f"UPDATE {t}stock_levels SET on_hand = $3, value = $4, reserved = $5, incoming = $6,"
            f" last_unit_cost = $7, last_movement_on = $8, updated_at = now() WHERE {key}"
        )
        self.default_accounts = (
            f"SELECT account_code, id FROM {t}chart_of_accounts WHERE company_id = $1"
            " AND account_code = ANY($2::text[]) AND is_active"
        )


_stock_sql: dict[str, StockSql] = {}


def stock_sql(conn: AsyncConnection) -> StockSql:
    schema = tenant_schema(conn)
    found = _stock_sql.get(schema)
    if found is None:
        found = _stock_sql[schema] = StockSql(schema)
    return found


class SqlStockRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _raw(self) -> tuple[Any, StockSql]:
        return await driver_connection(self._conn), stock_sql(self._conn)

    async def lock_levels(
        self, company_id: uuid.UUID, keys: Sequence[StockKey]
    ) -> dict[StockKey, StockLevel]:
        if not keys:
            return {}
        ordered = sorted(set(keys))
        raw, sql = await self._raw()
        rows = await raw.fetch(
            sql.lock_levels, [k[0] for k in ordered], [k[1] for k in ordered], company_id
        )
        return {(r["product_id"], r["warehouse_id"]): level_from_row(r) for r in rows}

    async def layers(
        self, key: StockKey, *, covering: Decimal | None = None, deficit_only: bool = False
    ) -> list[Layer]:
        raw, sql = await self._raw()
        if deficit_only:
            rows = await raw.fetch(sql.deficit_layers, *key)
        elif covering is not None:
            rows = await raw.fetch(sql.covering_layers, *key, covering)
        else:
            rows = await raw.fetch(sql.all_layers, *key)
        return [_layer(r) for r in rows]

    async def replace_layers(
        self, key: StockKey, before: Sequence[Layer], after: Sequence[Layer]
    ) -> None:
        old = {layer.seq: layer for layer in before}
        new = {layer.seq: layer for layer in after}
        raw, sql = await self._raw()
        gone = [seq for seq in old if seq not in new]
        if gone:
            await raw.execute(sql.delete_layers, *key, gone)
        for seq, layer in new.items():
            previous = old.get(seq)
            if previous is not None and previous != layer:
                await raw.execute(sql.update_layer, *key, seq, layer.quantity, layer.value)
        added = [layer for seq, layer in new.items() if seq not in old]
        if added:
            await raw.execute(
                sql.insert_layers,
                *key,
                [layer.movement_id for layer in added],
                [layer.seq for layer in added],
                [layer.received_on for layer in added],
                [layer.quantity for layer in added],
                [layer.value for layer in added],
            )

    async def add_movement(self, movement: NewMovement) -> int:
        raw, sql = await self._raw()
        seq = await raw.fetchval(
            sql.add_movement,
            movement.id,
            movement.company_id,
            movement.product_id,
            movement.warehouse_id,
            movement.location_id,
            movement.movement_type.value,
            movement.occurred_on,
            movement.quantity,
            movement.nominal_value,
            movement.value,
            movement.reason,
            movement.reference_type,
            movement.reference_id,
            movement.transfer_id,
            movement.inventory_account_id,
            movement.counter_account_id,
            movement.actor,
        )
        return int(seq)

    async def history(self, key: StockKey) -> list[StoredMovement]:
        m = stock_movements.c
        rows = await self._conn.execute(
            select(
                m.id,
                m.seq,
                m.occurred_on,
                m.quantity,
                m.nominal_value,
                m.value,
                m.movement_type,
                m.inventory_account_id,
                m.counter_account_id,
            )
            .where(m.product_id == key[0], m.warehouse_id == key[1])
            .order_by(m.occurred_on, m.seq)
        )
        return [
            StoredMovement(
                HistoryItem(r.id, r.seq, r.occurred_on, r.quantity, r.nominal_value, r.value),
                MovementType(r.movement_type),
                r.inventory_account_id,
                r.counter_account_id,
            )
            for r in rows
        ]

    async def set_values(self, values: Mapping[uuid.UUID, Decimal]) -> None:
        if values:
            raw, sql = await self._raw()
            await raw.execute(sql.set_values, list(values), list(values.values()))

    async def set_transaction(
        self, movement_ids: Collection[uuid.UUID], transaction_id: uuid.UUID
    ) -> None:
        if movement_ids:
            raw, sql = await self._raw()
            await raw.execute(sql.set_transaction, list(movement_ids), transaction_id)

    async def add_daily(self, changes: Mapping[tuple[StockKey, date], DailyChange]) -> None:
        if not changes:
            return
        ordered = sorted(changes.items(), key=lambda kv: (kv[0][0], kv[0][1]))
        company = ordered[0][1].company_id
        raw, sql = await self._raw()
        await raw.execute(
            sql.add_daily,
            company,
            [key[0] for (key, _), _ in ordered],
            [key[1] for (key, _), _ in ordered],
            [day for (_, day), _ in ordered],
            [change.quantity for _, change in ordered],
            [change.value for _, change in ordered],
            [change.issued for _, change in ordered],
        )

    async def save_levels(self, levels: Collection[StockLevel]) -> None:
        raw, sql = await self._raw()
        for level in sorted(levels, key=lambda lv: (lv.product_id, lv.warehouse_id)):
            await raw.execute(
                sql.save_level,
                level.product_id,
                level.warehouse_id,
                level.on_hand,
                level.value,
                level.reserved,
                level.incoming,
                level.last_unit_cost,
                level.last_movement_on,
            )

    async def default_accounts(
        self, company_id: uuid.UUID, codes: Collection[str]
    ) -> dict[str, uuid.UUID]:
        raw, sql = await self._raw()
        rows = await raw.fetch(sql.default_accounts, company_id, list(codes))
        return {r["account_code"]: r["id"] for r in rows}

    async def add_transfer(self, transfer: Transfer, reason: str, actor: uuid.UUID) -> None:
        await self._conn.execute(
            insert(stock_transfers).values(
                id=transfer.id,
                company_id=transfer.company_id,
                product_id=transfer.product_id,
                from_warehouse_id=transfer.from_warehouse_id,
                to_warehouse_id=transfer.to_warehouse_id,
                quantity=transfer.quantity,
                value=transfer.value,
                status=transfer.status,
                shipped_on=transfer.shipped_on,
                received_on=transfer.received_on,
                reason=reason,
                created_by=actor,
            )
        )

    async def set_transfer_value(self, transfer_id: uuid.UUID, value: Decimal) -> None:
        await self._conn.execute(
            update(stock_transfers).where(stock_transfers.c.id == transfer_id).values(value=value)
        )

    async def transfer_for_update(self, transfer_id: uuid.UUID) -> Transfer | None:
        row = (
            await self._conn.execute(
                select(stock_transfers).where(stock_transfers.c.id == transfer_id).with_for_update()
            )
        ).first()
        return transfer_from_row(row._mapping) if row else None

    async def receive_transfer(self, transfer_id: uuid.UUID, received_on: date) -> None:
        await self._conn.execute(
            update(stock_transfers)
            .where(stock_transfers.c.id == transfer_id)
            .values(
                status="RECEIVED",
                received_on=received_on,
                version=stock_transfers.c.version + 1,
            )
        )


def _layer(row: Any) -> Layer:
    return Layer(row["seq"], row["movement_id"], row["received_on"], row["quantity"], row["value"])


def transfer_from_row(row: Mapping[Any, Any]) -> Transfer:
    return Transfer(
        id=row["id"],
        company_id=row["company_id"],
        product_id=row["product_id"],
        from_warehouse_id=row["from_warehouse_id"],
        to_warehouse_id=row["to_warehouse_id"],
        quantity=row["quantity"],
        value=row["value"],
        status=row["status"],
        shipped_on=row["shipped_on"],
        received_on=row["received_on"],
        version=row["version"],
    )
