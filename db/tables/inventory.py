"""Inventory tables inside each tenant's schema (migration 0006_tenant_inventory)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Identity,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import UUID

from db.tables import TENANT_SCHEMA_PLACEHOLDER, metadata

Money = Numeric(19, 4, asdecimal=True)
Quantity = Numeric(19, 4, asdecimal=True)


def _uuid(name: str, **kwargs: object) -> Column:
    return Column(name, UUID(as_uuid=True), **kwargs)  # type: ignore[arg-type]


def _stamps() -> list[Column]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        _uuid("created_by", nullable=False),
        _uuid("updated_by", nullable=False),
        Column("version", Integer, nullable=False, server_default="1"),
    ]


product_categories = Table(
    "product_categories",
    metadata,
    _uuid("id", primary_key=True),
    _uuid("company_id", nullable=False),
    Column("name", String(100), nullable=False),
    _uuid("inventory_account_id"),
    _uuid("cogs_account_id"),
    _uuid("adjustment_account_id"),
    _uuid("goods_received_account_id"),
    *_stamps(),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

products = Table(
    "products",
    metadata,
    _uuid("id", primary_key=True),
    _uuid("company_id", nullable=False),
    Column("sku", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("description", Text),
    _uuid("category_id"),
    Column("unit_of_measure", String(20), nullable=False),
    Column("barcode", String(64)),
    Column("is_stocked", Boolean, nullable=False),
    Column("cost_method", String(20), nullable=False),
    Column("selling_price", Money, nullable=False),
    Column("reorder_point", Quantity, nullable=False),
    Column("reorder_quantity", Quantity, nullable=False),
    Column("lead_time_days", Integer, nullable=False),
    Column("allow_negative_stock", Boolean, nullable=False),
    Column("is_active", Boolean, nullable=False),
    *_stamps(),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

warehouses = Table(
    "warehouses",
    metadata,
    _uuid("id", primary_key=True),
    _uuid("company_id", nullable=False),
    Column("code", String(20), nullable=False),
    Column("name", String(255), nullable=False),
    Column("address", Text),
    Column("is_active", Boolean, nullable=False),
    *_stamps(),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

warehouse_locations = Table(
    "warehouse_locations",
    metadata,
    _uuid("id", primary_key=True),
    _uuid("warehouse_id", nullable=False),
    _uuid("company_id", nullable=False),
    Column("code", String(40), nullable=False),
    Column("name", String(255)),
    Column("is_active", Boolean, nullable=False, server_default="true"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

stock_levels = Table(
    "stock_levels",
    metadata,
    _uuid("product_id", primary_key=True),
    _uuid("warehouse_id", primary_key=True),
    _uuid("company_id", nullable=False),
    Column("on_hand", Quantity, nullable=False, server_default="0"),
    Column("value", Money, nullable=False, server_default="0"),
    Column("reserved", Quantity, nullable=False, server_default="0"),
    Column("incoming", Quantity, nullable=False, server_default="0"),
    Column("last_unit_cost", Money, nullable=False, server_default="0"),
    Column("last_movement_on", Date),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

stock_transfers = Table(
    "stock_transfers",
    metadata,
    _uuid("id", primary_key=True),
    _uuid("company_id", nullable=False),
    _uuid("product_id", nullable=False),
    _uuid("from_warehouse_id", nullable=False),
    _uuid("to_warehouse_id", nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("value", Money, nullable=False),
    Column("status", String(12), nullable=False),
    Column("shipped_on", Date, nullable=False),
    Column("received_on", Date),
    Column("reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    _uuid("created_by", nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

stock_movements = Table(
    "stock_movements",
    metadata,
    _uuid("id", primary_key=True),
    Column("seq", BigInteger, Identity(always=True), nullable=False),
    _uuid("company_id", nullable=False),
    _uuid("product_id", nullable=False),
    _uuid("warehouse_id", nullable=False),
    _uuid("location_id"),
    Column("movement_type", String(20), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("nominal_value", Money),
    Column("value", Money, nullable=False),
    Column("reason", Text, nullable=False),
    Column("reference_type", String(40), nullable=False),
    _uuid("reference_id", nullable=False),
    _uuid("transfer_id"),
    _uuid("inventory_account_id"),
    _uuid("counter_account_id"),
    _uuid("transaction_id"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    _uuid("created_by", nullable=False),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

stock_layers = Table(
    "stock_layers",
    metadata,
    _uuid("product_id", primary_key=True),
    _uuid("warehouse_id", primary_key=True),
    _uuid("movement_id", nullable=False),
    Column("seq", BigInteger, primary_key=True),
    Column("received_on", Date, nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("value", Money, nullable=False),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

stock_daily = Table(
    "stock_daily",
    metadata,
    _uuid("product_id", primary_key=True),
    _uuid("warehouse_id", primary_key=True),
    Column("day", Date, primary_key=True),
    _uuid("company_id", nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("value", Money, nullable=False),
    Column("issued", Quantity, nullable=False),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)
