"""Sales tables inside each tenant's schema (migration 0007_tenant_sales)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from db.tables import TENANT_SCHEMA_PLACEHOLDER, metadata

Money = Numeric(19, 4, asdecimal=True)
Rate = Numeric(19, 10, asdecimal=True)
Percent = Numeric(7, 4, asdecimal=True)


def _audit() -> list[Column]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("created_by", UUID(as_uuid=True), nullable=False),
        Column("updated_by", UUID(as_uuid=True), nullable=False),
        Column("version", Integer, nullable=False, server_default="1"),
    ]


customers = Table(
    "customers",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("code", String(30), nullable=False),
    Column("name", String(255), nullable=False),
    Column("tax_id", Text),  # encrypted (db/crypto.py); plaintext at most 30 chars
    Column("tax_id_index", LargeBinary),  # blind index (HMAC) for exact-match lookup
    Column("registration_number", String(50)),
    Column("email", String(255)),
    Column("phone", String(50)),
    Column("addresses", JSONB, nullable=False, server_default="[]"),
    Column("contacts", JSONB, nullable=False, server_default="[]"),
    Column("currency_code", String(3), nullable=False),
    Column("payment_terms_days", Integer, nullable=False, server_default="30"),
    Column("credit_limit", Money),
    Column("is_active", Boolean, nullable=False, server_default="true"),
    *_audit(),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

sales_number_sequences = Table(
    "sales_number_sequences",
    metadata,
    Column("company_id", UUID(as_uuid=True), primary_key=True),
    Column("kind", String(12), primary_key=True),
    Column("next_value", BigInteger, nullable=False),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

sales_account_settings = Table(
    "sales_account_settings",
    metadata,
    Column("company_id", UUID(as_uuid=True), primary_key=True),
    Column("role", String(20), primary_key=True),
    Column("account_id", UUID(as_uuid=True), nullable=False),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

sales_settings = Table(
    "sales_settings",
    metadata,
    Column("company_id", UUID(as_uuid=True), primary_key=True),
    Column("tax_rounding", String(10), nullable=False, server_default="half_up"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

sales_documents = Table(
    "sales_documents",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("number", String(30)),
    Column("customer_id", UUID(as_uuid=True), nullable=False),
    Column("status", String(20), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date),
    Column("currency_code", String(3), nullable=False),
    Column("exchange_rate", Rate, nullable=False, server_default="1"),
    Column("warehouse_id", UUID(as_uuid=True)),
    Column("source_id", UUID(as_uuid=True)),
    Column("reference", String(100)),
    Column("notes", Text),
    Column("subtotal", Money, nullable=False, server_default="0"),
    Column("tax_total", Money, nullable=False, server_default="0"),
    Column("total", Money, nullable=False, server_default="0"),
    Column("base_total", Money, nullable=False, server_default="0"),
    Column("amount_paid", Money, nullable=False, server_default="0"),
    Column("amount_credited", Money, nullable=False, server_default="0"),
    Column("base_settled", Money, nullable=False, server_default="0"),
    Column("journal_entry_id", UUID(as_uuid=True)),
    Column("stock_entry_id", UUID(as_uuid=True)),
    Column("posted_at", DateTime(timezone=True)),
    Column("voided_at", DateTime(timezone=True)),
    *_audit(),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

sales_document_lines = Table(
    "sales_document_lines",
    metadata,
    Column("document_id", UUID(as_uuid=True), primary_key=True),
    Column("line_number", SmallInteger, primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("product_id", UUID(as_uuid=True)),
    Column("description", Text, nullable=False),
    Column("quantity", Money, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("discount_percent", Percent, nullable=False, server_default="0"),
    Column("tax_code", String(20)),
    Column("tax_rate", Percent, nullable=False, server_default="0"),
    Column("net_amount", Money, nullable=False),
    Column("tax_amount", Money, nullable=False),
    Column("line_total", Money, nullable=False),
    Column("revenue_account_id", UUID(as_uuid=True)),
    Column("tax_account_id", UUID(as_uuid=True)),
    Column("warehouse_id", UUID(as_uuid=True)),
    Column("source_line_number", SmallInteger),
    Column("cost_amount", Money, nullable=False, server_default="0"),
    Column("fulfilled_quantity", Money, nullable=False, server_default="0"),
    # the movement whose value is the line's cost (db/repositories/inventory.py keeps them equal)
    Column("stock_movement_id", UUID(as_uuid=True)),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

customer_payments = Table(
    "customer_payments",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("customer_id", UUID(as_uuid=True), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("number", String(30), nullable=False),
    Column("payment_date", Date, nullable=False),
    Column("currency_code", String(3), nullable=False),
    Column("exchange_rate", Rate, nullable=False, server_default="1"),
    Column("amount", Money, nullable=False),
    Column("allocated_amount", Money, nullable=False, server_default="0"),
    Column("refunded_amount", Money, nullable=False, server_default="0"),
    Column("bank_account_id", UUID(as_uuid=True), nullable=False),
    Column("reference", String(100)),
    Column("notes", Text),
    Column("journal_entry_id", UUID(as_uuid=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", UUID(as_uuid=True), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

payment_allocations = Table(
    "payment_allocations",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("payment_id", UUID(as_uuid=True), nullable=False),
    Column("invoice_id", UUID(as_uuid=True), nullable=False),
    Column("allocation_date", Date, nullable=False),
    Column("amount", Money, nullable=False),
    Column("base_amount", Money, nullable=False),
    Column("fx_difference", Money, nullable=False, server_default="0"),
    Column("journal_entry_id", UUID(as_uuid=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

customer_balances = Table(
    "customer_balances",
    metadata,
    Column("customer_id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("receivable", Money, nullable=False, server_default="0"),
    Column("advance", Money, nullable=False, server_default="0"),
    Column("draft_total", Money, nullable=False, server_default="0"),
    Column("events_applied", BigInteger, nullable=False, server_default="0"),
    Column("last_event_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

sales_requests = Table(
    "sales_requests",
    metadata,
    Column("company_id", UUID(as_uuid=True), primary_key=True),
    Column("operation", String(30), primary_key=True),
    Column("idempotency_key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("result_id", UUID(as_uuid=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)
