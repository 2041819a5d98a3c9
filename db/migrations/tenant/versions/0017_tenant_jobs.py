"""Batch jobs (imports): the job with its uploaded file, progress and last committed batch, and
its row errors (the downloadable error report).

An idempotency key is unique per company (a second start with it finds the first job).

Revision ID: 0017_tenant_jobs
Revises: 0015_tenant_event_handling
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0017_tenant_jobs"
down_revision = "0015_tenant_event_handling"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("company_id", UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("file_format", sa.String(8), nullable=False),
        sa.Column("file_size", sa.Integer, nullable=False),
        sa.Column("file_content", sa.LargeBinary, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(200)),
        sa.Column("options", JSONB, nullable=False, server_default="{}"),
        sa.Column("batch_size", sa.Integer, nullable=False),
        sa.Column("rows_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rows_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("batches_committed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("failure", sa.Text),
        sa.Column("created_by", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "state IN ('queued','validating','validated','committing','succeeded','failed',"
            "'cancelled')",
            name="jobs_state",
        ),
    )
    op.create_index(
        "jobs_idempotency_key",
        "jobs",
        ["company_id", "idempotency_key"],
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.create_index("jobs_created", "jobs", ["created_at", "id"])
    op.create_table(
        "job_errors",
        sa.Column("job_id", UUID(as_uuid=True), sa.ForeignKey("jobs.id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("column_name", sa.String(255)),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_errors")
    op.drop_index("jobs_created", table_name="jobs")
    op.drop_index("jobs_idempotency_key", table_name="jobs")
    op.drop_table("jobs")
