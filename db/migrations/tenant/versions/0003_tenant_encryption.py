"""Encryption at rest: `companies.tax_number` holds ciphertext, with a blind index beside it.

Ciphertext (`enc:v1:<kid>:<base64>`) is longer than the 100-character plaintext the domain
allows, so the column becomes TEXT. Existing plaintext values stay readable as they are; the
next write or `bigledger keys rotate` (or `keys reencrypt`) seals them and fills the index.

Revision ID: 0003_tenant_encryption
Revises: 0001_tenant
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_tenant_encryption"
down_revision = "0001_tenant"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("companies", "tax_number", type_=sa.Text, existing_type=sa.String(100))
    op.add_column("companies", sa.Column("tax_number_index", sa.LargeBinary))
    op.create_index("companies_tax_number_index", "companies", ["tax_number_index"])


def downgrade() -> None:
    # Only possible once every value is plaintext again (ciphertext does not fit 100 chars).
    op.drop_index("companies_tax_number_index", "companies")
    op.drop_column("companies", "tax_number_index")
    op.alter_column("companies", "tax_number", type_=sa.String(100), existing_type=sa.Text)
