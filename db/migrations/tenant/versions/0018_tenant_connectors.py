"""Connectors: per company, a link to an outside system (kind, settings, sealed credentials,
cursor state, enabled flag, schedule); each run is a job (0017_tenant_jobs).

Revision ID: 0018_tenant_connectors
Revises: 0015_tenant_event_handling
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0018_tenant_connectors"
down_revision = "0015_tenant_event_handling"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connectors",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("company_id", UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("settings", JSONB, nullable=False),
        sa.Column("credentials", sa.Text),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("schedule", sa.String(10), nullable=False),
        sa.Column("state", JSONB, nullable=False, server_default="{}"),
        sa.Column("last_job_id", UUID(as_uuid=True)),
        sa.Column("last_run_at", sa.DateTime(timezone=True)),
        sa.Column("created_by", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.UniqueConstraint("company_id", "name", name="connectors_company_name_key"),
    )


def downgrade() -> None:
    op.drop_table("connectors")
