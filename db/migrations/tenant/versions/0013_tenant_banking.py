"""Bank statements, their lines, matches to journal lines and match suggestions.

Revision ID: 0013_tenant_banking
Revises: 0015_tenant_event_handling
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0013_tenant_banking"
down_revision = "0015_tenant_event_handling"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(19, 4)


def upgrade() -> None:
    op.create_table(
        "bank_statements",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("company_id", UUID(as_uuid=True), sa.ForeignKey("companies.id"), nullable=False),
        sa.Column(
            "account_id", UUID(as_uuid=True), sa.ForeignKey("chart_of_accounts.id"), nullable=False
        ),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(100)),
        sa.Column("currency_code", sa.String(3), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("opening_balance", MONEY, nullable=False),
        sa.Column("closing_balance", MONEY, nullable=False),
        sa.Column("line_count", sa.Integer, nullable=False),
        sa.Column("new_line_count", sa.Integer, nullable=False),
        sa.Column("imported_by", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "imported_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.UniqueConstraint("account_id", "file_sha256", name="bank_statements_file_once"),
    )
    # The bank's own statement id, when it gives one, names one statement per account.
    op.create_index(
        "bank_statements_external_once",
        "bank_statements",
        ["account_id", "external_id"],
        unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_index("bank_statements_by_account", "bank_statements", ["account_id", "end_date"])
    op.create_table(
        "bank_statement_lines",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "statement_id",
            UUID(as_uuid=True),
            sa.ForeignKey("bank_statements.id"),
            nullable=False,
        ),
        sa.Column("company_id", UUID(as_uuid=True), nullable=False),
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("line_number", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("booking_date", sa.Date, nullable=False),
        sa.Column("value_date", sa.Date),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency_code", sa.String(3), nullable=False),
        sa.Column("bank_ref", sa.String(100), nullable=False),
        sa.Column("reference", sa.String(140), nullable=False, server_default=""),
        sa.Column("counterparty", sa.String(140), nullable=False, server_default=""),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("match_kind", sa.String(8)),
        sa.Column("matched_at", sa.DateTime(timezone=True)),
        sa.Column("matched_by", UUID(as_uuid=True)),
        sa.UniqueConstraint("account_id", "bank_ref", name="bank_statement_lines_once"),
    )
    op.create_index(
        "bank_statement_lines_by_statement",
        "bank_statement_lines",
        ["statement_id", "line_number"],
    )
    op.create_index(
        "bank_statement_lines_open",
        "bank_statement_lines",
        ["account_id", "booking_date"],
        postgresql_where=sa.text("match_kind IS NULL"),
    )
    op.create_table(
        "bank_line_matches",
        sa.Column("transaction_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("line_number", sa.SmallInteger, primary_key=True),
        sa.Column("transaction_date", sa.Date, nullable=False),
        sa.Column(
            "bank_line_id",
            UUID(as_uuid=True),
            sa.ForeignKey("bank_statement_lines.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
    )
    op.create_index("bank_line_matches_by_line", "bank_line_matches", ["bank_line_id"])
    op.create_table(
        "bank_line_suggestions",
        sa.Column(
            "bank_line_id",
            UUID(as_uuid=True),
            sa.ForeignKey("bank_statement_lines.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("transaction_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("line_number", sa.SmallInteger, primary_key=True),
        sa.Column("transaction_date", sa.Date, nullable=False),
        sa.Column("score", sa.Numeric(5, 4), nullable=False),
        sa.Column("rank", sa.SmallInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bank_line_suggestions")
    op.drop_table("bank_line_matches")
    op.drop_table("bank_statement_lines")
    op.drop_table("bank_statements")
