"""Accounting tables inside each tenant's schema (migration 0004_tenant_accounting).

`journal_lines` is range-partitioned by month on `transaction_date` (its partitions are not
declared here: they are storage, created ahead by `journal_lines_ensure_partitions`).
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ENUM, UUID

from db.tables import TENANT_SCHEMA_PLACEHOLDER, metadata
from db.tables.tenant import companies

Money = Numeric(19, 4, asdecimal=True)
Rate = Numeric(19, 10, asdecimal=True)

account_type_enum = ENUM(
    "asset",
    "liability",
    "equity",
    "revenue",
    "expense",
    name="account_type_enum",
    schema=TENANT_SCHEMA_PLACEHOLDER,
    create_type=False,
)
transaction_status_enum = ENUM(
    "draft",
    "posted",
    "reversed",
    name="transaction_status_enum",
    schema=TENANT_SCHEMA_PLACEHOLDER,
    create_type=False,
)


# The spec's chart_of_accounts, plus subtype, audit fields and `version`.
chart_of_accounts = Table(
    "chart_of_accounts",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), ForeignKey(companies.c.id), nullable=False),
    Column("account_code", String(20), nullable=False),
    Column("account_name", String(255), nullable=False),
    Column("account_type", account_type_enum, nullable=False),
    Column("account_subtype", String(40)),
    Column("parent_account_id", UUID(as_uuid=True)),
    Column("is_active", Boolean, nullable=False, server_default="true"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", UUID(as_uuid=True), nullable=False),
    Column("updated_by", UUID(as_uuid=True), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

fiscal_years = Table(
    "fiscal_years",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), ForeignKey(companies.c.id), nullable=False),
    Column("name", String(50), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", UUID(as_uuid=True), nullable=False),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

fiscal_periods = Table(
    "fiscal_periods",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("fiscal_year_id", UUID(as_uuid=True), ForeignKey(fiscal_years.c.id), nullable=False),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("period_number", SmallInteger, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("status", String(10), nullable=False, server_default="open"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by", UUID(as_uuid=True), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

entry_number_sequences = Table(
    "entry_number_sequences",
    metadata,
    Column("fiscal_year_id", UUID(as_uuid=True), ForeignKey(fiscal_years.c.id), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("next_value", BigInteger, nullable=False, server_default="1"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

# The spec's `transactions` (the journal entry header), plus numbering, links and `version`.
transactions = Table(
    "transactions",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), ForeignKey(companies.c.id), nullable=False),
    Column("transaction_date", Date, nullable=False),
    Column("reference", String(100)),
    Column("description", Text),
    Column("total_amount", Money, nullable=False),
    Column("currency_code", String(3), nullable=False),
    Column("status", transaction_status_enum, nullable=False, server_default="draft"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("entry_number", String(30)),
    Column("fiscal_year_id", UUID(as_uuid=True), ForeignKey(fiscal_years.c.id)),
    Column("reversal_of", UUID(as_uuid=True)),  # -> transactions.id
    Column("reversed_by", UUID(as_uuid=True)),
    Column("created_by", UUID(as_uuid=True), nullable=False),
    Column("posted_at", DateTime(timezone=True)),
    Column("posted_by", UUID(as_uuid=True)),
    Column("version", Integer, nullable=False, server_default="1"),
    # domain.accounting.model.EntryKind: set by the command that made the entry, never by text
    Column("kind", String(20), nullable=False, server_default="standard"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

journal_requests = Table(
    "journal_requests",
    metadata,
    Column("company_id", UUID(as_uuid=True), ForeignKey(companies.c.id), primary_key=True),
    Column("idempotency_key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("transaction_id", UUID(as_uuid=True), ForeignKey(transactions.c.id)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

journal_lines = Table(
    "journal_lines",
    metadata,
    Column("transaction_id", UUID(as_uuid=True), ForeignKey(transactions.c.id), primary_key=True),
    Column("line_number", SmallInteger, primary_key=True),
    Column("transaction_date", Date, primary_key=True),  # the partition key
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("account_id", UUID(as_uuid=True), ForeignKey(chart_of_accounts.c.id), nullable=False),
    Column("description", Text),
    Column("currency_code", String(3), nullable=False),
    Column("exchange_rate", Rate, nullable=False),
    Column("debit", Money, nullable=False, server_default="0"),
    Column("credit", Money, nullable=False, server_default="0"),
    Column("base_debit", Money, nullable=False, server_default="0"),
    Column("base_credit", Money, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
    postgresql_partition_by="RANGE (transaction_date)",
)

# Read models kept by every posting: per account and month, and per account and day.
account_balances = Table(
    "account_balances",
    metadata,
    Column("account_id", UUID(as_uuid=True), ForeignKey(chart_of_accounts.c.id), primary_key=True),
    Column("period_month", Date, primary_key=True),  # the month's first day
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("debit_total", Money, nullable=False, server_default="0"),
    Column("credit_total", Money, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

account_daily_balances = Table(
    "account_daily_balances",
    metadata,
    Column("account_id", UUID(as_uuid=True), ForeignKey(chart_of_accounts.c.id), primary_key=True),
    Column("balance_date", Date, primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("debit_total", Money, nullable=False, server_default="0"),
    Column("credit_total", Money, nullable=False, server_default="0"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)
