"""Tax codes inside each tenant's schema (migration 0007_tenant_sales)."""

from sqlalchemy import Boolean, Column, DateTime, Numeric, String, Table, func
from sqlalchemy.dialects.postgresql import UUID

from db.tables import TENANT_SCHEMA_PLACEHOLDER, metadata

tax_codes = Table(
    "tax_codes",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("code", String(20), nullable=False),
    Column("name", String(100), nullable=False),
    Column("rate", Numeric(7, 4, asdecimal=True), nullable=False),
    Column("kind", String(10), nullable=False, server_default="sales"),
    Column("account_id", UUID(as_uuid=True)),
    Column("is_active", Boolean, nullable=False, server_default="true"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)
