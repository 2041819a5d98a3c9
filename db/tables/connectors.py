"""Connectors inside each tenant's schema (migration 0018_tenant_connectors)."""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from db.tables import TENANT_SCHEMA_PLACEHOLDER, metadata

connectors = Table(
    "connectors",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("name", String(100), nullable=False),
    Column("settings", JSONB, nullable=False),
    # JSON of the credentials, sealed with the key ring (db/crypto.py CONNECTOR_CREDENTIALS);
    # written by the API, opened only by a run.
    Column("credentials", Text),
    Column("enabled", Boolean, nullable=False, server_default="true"),
    Column("schedule", String(10), nullable=False),
    Column("state", JSONB, nullable=False, server_default="{}"),  # the cursor (last date loaded)
    Column("last_job_id", UUID(as_uuid=True)),
    Column("last_run_at", DateTime(timezone=True)),
    Column("created_by", UUID(as_uuid=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("company_id", "name", name="connectors_company_name_key"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)
