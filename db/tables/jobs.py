"""Batch jobs inside each tenant's schema (migration 0017_tenant_jobs)."""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from db.tables import TENANT_SCHEMA_PLACEHOLDER, metadata

jobs = Table(
    "jobs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("state", String(12), nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("file_format", String(8), nullable=False),
    Column("file_size", Integer, nullable=False),
    # The uploaded file itself: a worker that crashed reads it again to resume (bounded by the
    # plan's maxImportBytes); tenant data, so it lives in the tenant's schema like the rest.
    Column("file_content", LargeBinary, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("idempotency_key", String(200)),
    Column("options", JSONB, nullable=False, server_default="{}"),
    Column("batch_size", Integer, nullable=False),
    Column("rows_total", Integer, nullable=False, server_default="0"),
    Column("rows_done", Integer, nullable=False, server_default="0"),
    Column("error_count", Integer, nullable=False, server_default="0"),
    Column("batches_committed", Integer, nullable=False, server_default="0"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("cancel_requested", Boolean, nullable=False, server_default="false"),
    Column("failure", Text),
    Column("created_by", UUID(as_uuid=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

job_errors = Table(
    "job_errors",
    metadata,
    Column("job_id", UUID(as_uuid=True), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("row", Integer, nullable=False),
    Column("column_name", String(255)),
    Column("code", String(40), nullable=False),
    Column("message", Text, nullable=False),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)
