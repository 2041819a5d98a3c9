"""Signed checkpoints of each tenant's audit lanes (db/audit_checkpoints.py), append-only.

The rows are a convenience copy: what counts is the signed token, which a tenant keeps
elsewhere. Removing rows here hides nothing from a check against a checkpoint the tenant kept.

Revision ID: 0010_shared_audit_checkpoints
Revises: 0009_shared_audit_keyed
Create Date: 2026-11-25
"""

from alembic import op

revision = "0010_shared_audit_checkpoints"
down_revision = "0009_shared_audit_keyed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE shared.audit_checkpoints (
            tenant_id uuid        NOT NULL,
            id        bigint      GENERATED ALWAYS AS IDENTITY,
            issued_at timestamptz NOT NULL,
            lanes     jsonb       NOT NULL,
            token     text        NOT NULL,
            CONSTRAINT audit_checkpoints_pkey PRIMARY KEY (tenant_id, id)
        )
        """
    )
    # Append-only like the log itself (the function is the log's, migration 0003).
    op.execute(
        "CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON shared.audit_checkpoints FOR EACH STATEMENT "
        "EXECUTE FUNCTION shared.audit_log_append_only()"
    )
    op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON shared.audit_checkpoints FROM PUBLIC")
    op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON shared.audit_checkpoints FROM CURRENT_USER")


def downgrade() -> None:
    op.execute("DROP TABLE shared.audit_checkpoints")
