"""Multi-currency tables inside each tenant's schema (migration 0005_tenant_currency)."""

from sqlalchemy import Boolean, Column, Date, DateTime, Numeric, String, Table, func
from sqlalchemy.dialects.postgresql import UUID

from db.tables import TENANT_SCHEMA_PLACEHOLDER, metadata

Money = Numeric(19, 4, asdecimal=True)
Rate = Numeric(19, 10, asdecimal=True)  # as journal_lines.exchange_rate

exchange_rates = Table(
    "exchange_rates",
    metadata,
    Column("company_id", UUID(as_uuid=True), primary_key=True),
    Column("from_currency", String(3), primary_key=True),
    Column("effective_date", Date, primary_key=True),
    Column("to_currency", String(3), nullable=False),
    Column("rate", Rate, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by", UUID(as_uuid=True), nullable=False),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

account_currency_balances = Table(
    "account_currency_balances",
    metadata,
    Column("account_id", UUID(as_uuid=True), primary_key=True),
    Column("currency_code", String(3), primary_key=True),
    Column("balance_date", Date, primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("debit_total", Money, nullable=False, server_default="0"),
    Column("credit_total", Money, nullable=False, server_default="0"),
    Column("base_debit_total", Money, nullable=False, server_default="0"),
    Column("base_credit_total", Money, nullable=False, server_default="0"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

fx_revaluations = Table(
    "fx_revaluations",
    metadata,
    Column("transaction_id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("auto_reverse", Boolean, nullable=False, server_default="false"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

fx_revaluation_lines = Table(
    "fx_revaluation_lines",
    metadata,
    Column("transaction_id", UUID(as_uuid=True), primary_key=True),
    Column("account_id", UUID(as_uuid=True), primary_key=True),
    Column("currency_code", String(3), primary_key=True),
    Column("foreign_balance", Money, nullable=False),
    Column("rate", Rate, nullable=False),
    Column("base_adjustment", Money, nullable=False),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

# Each open document's share of a revaluation that stays (migration 0014_tenant_carrying_amount).
fx_revaluation_items = Table(
    "fx_revaluation_items",
    metadata,
    Column("transaction_id", UUID(as_uuid=True), primary_key=True),
    Column("document_id", UUID(as_uuid=True), primary_key=True),
    Column("ledger", String(10), nullable=False),  # receivable | payable
    Column("party_id", UUID(as_uuid=True), nullable=False),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("account_id", UUID(as_uuid=True), nullable=False),
    Column("currency_code", String(3), nullable=False),
    Column("amount_due", Money, nullable=False),
    Column("rate", Rate, nullable=False),
    Column("base_change", Money, nullable=False),  # > 0: the item's carrying amount grew
    schema=TENANT_SCHEMA_PLACEHOLDER,
)
