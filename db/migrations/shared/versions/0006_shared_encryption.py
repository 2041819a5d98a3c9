"""Encryption at rest: `users.full_name` (personal data) holds ciphertext.

Revision ID: 0006_shared_encryption
Revises: 0001_shared
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_shared_encryption"
down_revision = "0001_shared"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column(
        "users", "full_name", type_=sa.Text, existing_type=sa.String(255), schema="shared"
    )


def downgrade() -> None:
    op.alter_column(
        "users", "full_name", type_=sa.String(255), existing_type=sa.Text, schema="shared"
    )
