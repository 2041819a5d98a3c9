"""Bank statements, their lines and the lines' matches to journal lines, inside each tenant's
schema (migration 0013_tenant_banking).

A statement belongs to a bank account (a ledger account of subtype bank or cash). A line is
unique per bank account by the bank's own id (`bank_ref`), so a line in two files is imported
once. A journal line is matched at most once (the primary key of `bank_line_matches`).
"""

from sqlalchemy import (
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
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import UUID

from db.tables import TENANT_SCHEMA_PLACEHOLDER, metadata
from db.tables.accounting import chart_of_accounts

Money = Numeric(19, 4, asdecimal=True)

bank_statements = Table(
    "bank_statements",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("account_id", UUID(as_uuid=True), ForeignKey(chart_of_accounts.c.id), nullable=False),
    Column("format", String(10), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("external_id", String(100)),  # the bank's statement id (CAMT Stmt/Id)
    Column("currency_code", String(3), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("opening_balance", Money, nullable=False),
    Column("closing_balance", Money, nullable=False),
    Column("line_count", Integer, nullable=False),
    Column("new_line_count", Integer, nullable=False),
    Column("imported_by", UUID(as_uuid=True), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("account_id", "file_sha256", name="bank_statements_file_once"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

bank_statement_lines = Table(
    "bank_statement_lines",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("statement_id", UUID(as_uuid=True), ForeignKey(bank_statements.c.id), nullable=False),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("account_id", UUID(as_uuid=True), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("kind", String(12), nullable=False),  # transaction | opening
    Column("booking_date", Date, nullable=False),
    Column("value_date", Date),
    Column("amount", Money, nullable=False),  # + money in, - money out
    Column("currency_code", String(3), nullable=False),
    Column("bank_ref", String(100), nullable=False),
    Column("reference", String(140), nullable=False, server_default=""),
    Column("counterparty", String(140), nullable=False, server_default=""),
    Column("description", Text, nullable=False, server_default=""),
    Column("match_kind", String(8)),  # null: unmatched; auto | manual | created
    Column("matched_at", DateTime(timezone=True)),
    Column("matched_by", UUID(as_uuid=True)),
    UniqueConstraint("account_id", "bank_ref", name="bank_statement_lines_once"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

bank_line_matches = Table(
    "bank_line_matches",
    metadata,
    # One journal line is one bank movement: matched at most once.
    Column("transaction_id", UUID(as_uuid=True), primary_key=True),
    Column("line_number", SmallInteger, primary_key=True),
    Column("transaction_date", Date, nullable=False),
    Column(
        "bank_line_id",
        UUID(as_uuid=True),
        ForeignKey(bank_statement_lines.c.id, ondelete="CASCADE"),
        nullable=False,
    ),
    Column("account_id", UUID(as_uuid=True), nullable=False),
    Column("amount", Money, nullable=False),  # + debit on the bank account
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

bank_line_suggestions = Table(
    "bank_line_suggestions",
    metadata,
    Column(
        "bank_line_id",
        UUID(as_uuid=True),
        ForeignKey(bank_statement_lines.c.id, ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("transaction_id", UUID(as_uuid=True), primary_key=True),
    Column("line_number", SmallInteger, primary_key=True),
    Column("transaction_date", Date, nullable=False),
    Column("score", Numeric(5, 4), nullable=False),
    Column("rank", SmallInteger, nullable=False),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)
