"""API keys for integrations: only a SHA-256 of each token is stored.

Revision ID: 0004_shared_api_keys
Revises: 0001_shared
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0004_shared_api_keys"
down_revision = "0001_shared"
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "tenant_id", UUID(as_uuid=True), sa.ForeignKey(f"{S}.tenants.id"), nullable=False
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(20), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary, nullable=False),
        sa.Column("permissions", JSONB, nullable=False, server_default="[]"),
        sa.Column("created_by", UUID(as_uuid=True), sa.ForeignKey(f"{S}.users.id"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("secret_hash", name="api_keys_secret_hash"),
        sa.CheckConstraint("octet_length(secret_hash) = 32", name="api_keys_secret_hash_sha256"),
        schema=S,
    )
    op.create_index("api_keys_tenant", "api_keys", ["tenant_id", "created_at"], schema=S)


def downgrade() -> None:
    op.drop_table("api_keys", schema=S)
