"""Purchasing tables inside each tenant's schema (migration 0008_tenant_purchasing)."""

import uuid
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from db.tables import TENANT_SCHEMA_PLACEHOLDER, metadata

Money = Numeric(19, 4, asdecimal=True)
Quantity = Numeric(19, 4, asdecimal=True)
Rate = Numeric(19, 10, asdecimal=True)
Percent = Numeric(7, 4, asdecimal=True)


def _id(name: str, *, nullable: bool = True, primary_key: bool = False) -> Column[uuid.UUID]:
    return Column(name, UUID(as_uuid=True), nullable=nullable, primary_key=primary_key)


def _created() -> list[Column[Any]]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        _id("created_by", nullable=False),
    ]


suppliers = Table(
    "suppliers",
    metadata,
    _id("id", primary_key=True),
    _id("company_id", nullable=False),
    Column("code", String(30), nullable=False),
    Column("name", String(255), nullable=False),
    Column("tax_id", Text),  # encrypted (db/crypto.py); plaintext at most 50 chars
    Column("tax_id_index", LargeBinary),  # blind index (HMAC) for exact-match lookup
    Column("registration_number", String(100)),
    Column("addresses", JSONB, nullable=False, server_default="[]"),
    Column("contacts", JSONB, nullable=False, server_default="[]"),
    Column("currency_code", String(3), nullable=False),
    Column("payment_terms_days", Integer, nullable=False, server_default="30"),
    Column("credit_limit", Money),
    Column("is_active", Boolean, nullable=False, server_default="true"),
    *_created(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    _id("updated_by", nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

supplier_balances = Table(
    "supplier_balances",
    metadata,
    _id("supplier_id", primary_key=True),
    _id("company_id", nullable=False),
    Column("currency_code", String(3), nullable=False),
    Column("payable", Money, nullable=False, server_default="0"),
    Column("base_payable", Money, nullable=False, server_default="0"),
    Column("advance", Money, nullable=False, server_default="0"),
    Column("base_advance", Money, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

purchasing_settings = Table(
    "purchasing_settings",
    metadata,
    _id("company_id", primary_key=True),
    _id("payable_account_id"),
    _id("goods_received_account_id"),
    _id("advances_account_id"),
    _id("purchases_account_id"),
    _id("fx_gain_account_id"),
    _id("fx_loss_account_id"),
    _id("bank_account_id"),
    Column("price_tolerance_percent", Percent, nullable=False, server_default="2"),
    Column("quantity_tolerance_percent", Percent, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    _id("updated_by", nullable=False),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

purchasing_sequences = Table(
    "purchasing_sequences",
    metadata,
    _id("company_id", primary_key=True),
    Column("kind", String(10), primary_key=True),
    Column("last_value", Integer, nullable=False),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    _id("id", primary_key=True),
    _id("company_id", nullable=False),
    _id("supplier_id", nullable=False),
    Column("number", String(30), nullable=False),
    Column("order_date", Date, nullable=False),
    Column("expected_date", Date),
    _id("warehouse_id", nullable=False),
    Column("currency_code", String(3), nullable=False),
    Column("status", String(20), nullable=False),
    Column("notes", Text),
    Column("total", Money, nullable=False),
    *_created(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("version", Integer, nullable=False, server_default="1"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    _id("id", primary_key=True),
    _id("order_id", nullable=False),
    _id("company_id", nullable=False),
    Column("line_number", Integer, nullable=False),
    _id("product_id", nullable=False),
    Column("description", Text),
    Column("quantity", Quantity, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("amount", Money, nullable=False),
    Column("received_quantity", Quantity, nullable=False, server_default="0"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

goods_receipts = Table(
    "goods_receipts",
    metadata,
    _id("id", primary_key=True),
    _id("company_id", nullable=False),
    _id("supplier_id", nullable=False),
    _id("order_id", nullable=False),
    Column("number", String(30), nullable=False),
    Column("receipt_date", Date, nullable=False),
    Column("currency_code", String(3), nullable=False),
    Column("exchange_rate", Rate, nullable=False),
    Column("notes", Text),
    *_created(),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

goods_receipt_lines = Table(
    "goods_receipt_lines",
    metadata,
    _id("id", primary_key=True),
    _id("receipt_id", nullable=False),
    _id("company_id", nullable=False),
    Column("line_number", Integer, nullable=False),
    _id("order_line_id", nullable=False),
    _id("product_id", nullable=False),
    _id("warehouse_id", nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("unit_cost", Money, nullable=False),
    Column("value", Money, nullable=False),
    Column("billed_quantity", Quantity, nullable=False, server_default="0"),
    Column("billed_value", Money, nullable=False, server_default="0"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

bills = Table(
    "bills",
    metadata,
    _id("id", primary_key=True),
    _id("company_id", nullable=False),
    _id("supplier_id", nullable=False),
    Column("number", String(30)),
    Column("supplier_reference", String(100)),
    Column("bill_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("currency_code", String(3), nullable=False),
    Column("exchange_rate", Rate),
    Column("status", String(20), nullable=False),
    Column("notes", Text),
    Column("subtotal", Money, nullable=False),
    Column("tax_total", Money, nullable=False),
    Column("total", Money, nullable=False),
    Column("base_total", Money),
    Column("amount_paid", Money, nullable=False, server_default="0"),
    Column("amount_credited", Money, nullable=False, server_default="0"),
    Column("base_settled", Money, nullable=False, server_default="0"),  # AP relieved, base
    _id("journal_entry_id"),
    *_created(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("posted_at", DateTime(timezone=True)),
    _id("posted_by"),
    Column("version", Integer, nullable=False, server_default="1"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

bill_lines = Table(
    "bill_lines",
    metadata,
    _id("id", primary_key=True),
    _id("bill_id", nullable=False),
    _id("company_id", nullable=False),
    Column("line_number", Integer, nullable=False),
    _id("receipt_line_id"),
    _id("product_id"),
    _id("account_id"),
    Column("description", Text),
    Column("quantity", Quantity, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("amount", Money, nullable=False),
    Column("tax_code", String(20)),
    Column("tax_rate", Percent, nullable=False, server_default="0"),
    Column("tax_amount", Money, nullable=False, server_default="0"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

supplier_payments = Table(
    "supplier_payments",
    metadata,
    _id("id", primary_key=True),
    _id("company_id", nullable=False),
    _id("supplier_id", nullable=False),
    Column("number", String(30), nullable=False),
    Column("payment_date", Date, nullable=False),
    Column("currency_code", String(3), nullable=False),
    Column("exchange_rate", Rate, nullable=False),
    Column("amount", Money, nullable=False),
    _id("bank_account_id", nullable=False),
    Column("reference", String(100)),
    Column("unallocated", Money, nullable=False),
    Column("realized_fx", Money, nullable=False, server_default="0"),
    Column("kind", String(20), nullable=False, server_default="payment"),
    _id("journal_entry_id"),
    *_created(),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

supplier_payment_allocations = Table(
    "supplier_payment_allocations",
    metadata,
    _id("payment_id", primary_key=True),
    _id("bill_id", primary_key=True),
    _id("company_id", nullable=False),
    Column("amount", Money, nullable=False),
    Column("bill_rate", Rate, nullable=False),
    Column("base_cleared", Money, nullable=False),
    Column("base_paid", Money, nullable=False),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

supplier_credits = Table(
    "supplier_credits",
    metadata,
    _id("id", primary_key=True),
    _id("company_id", nullable=False),
    _id("supplier_id", nullable=False),
    _id("bill_id", nullable=False),
    Column("number", String(30), nullable=False),
    Column("credit_date", Date, nullable=False),
    Column("currency_code", String(3), nullable=False),
    Column("exchange_rate", Rate, nullable=False),
    Column("reason", Text),
    Column("total", Money, nullable=False),
    _id("journal_entry_id"),
    *_created(),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

supplier_credit_lines = Table(
    "supplier_credit_lines",
    metadata,
    _id("id", primary_key=True),
    _id("credit_id", nullable=False),
    _id("company_id", nullable=False),
    Column("line_number", Integer, nullable=False),
    _id("bill_line_id", nullable=False),
    _id("product_id"),
    Column("quantity", Quantity, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("amount", Money, nullable=False),
    Column("tax_amount", Money, nullable=False),
    Column("return_stock", Boolean, nullable=False, server_default="false"),
    _id("warehouse_id"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

purchasing_requests = Table(
    "purchasing_requests",
    metadata,
    _id("company_id", primary_key=True),
    Column("idempotency_key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    _id("document_id"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)
