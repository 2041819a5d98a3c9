"""Users: invitations and deactivation.

Revision ID: 0002_shared_users
Revises: 0001_shared
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0002_shared_users"
down_revision = "0001_shared"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("invitation_hash", sa.LargeBinary), schema="shared")
    op.add_column("users", sa.Column("invitation_expires_at", sa.DateTime(timezone=True)), schema="shared")
    op.add_column("users", sa.Column("invited_by", UUID(as_uuid=True)), schema="shared")
    op.alter_column("users", "password_hash", nullable=True, schema="shared")


def downgrade() -> None:
    op.alter_column("users", "password_hash", nullable=False, schema="shared")
    for column in ("invited_by", "invitation_expires_at", "invitation_hash"):
        op.drop_column("users", column, schema="shared")
