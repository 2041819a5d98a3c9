"""Tenant plans: per-tenant feature and limit overrides; the plan must be one of the catalogue.

Revision ID: 0005_shared_tenant_plans
Revises: 0001_shared
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005_shared_tenant_plans"
down_revision = "0001_shared"
branch_labels = None
depends_on = None

S = "shared"
# domain.identity.plans.PLANS at the time of writing (a migration does not import the domain).
PLANS = ("free", "professional", "enterprise")
_IN = ", ".join(f"'{p}'" for p in PLANS)


def upgrade() -> None:
    for column in ("feature_overrides", "limit_overrides"):
        op.add_column(
            "tenants",
            sa.Column(column, JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
            schema=S,
        )
    # Before plans meant anything the column took free text; such rows get the old default.
    op.execute(f"UPDATE {S}.tenants SET plan = 'professional' WHERE plan NOT IN ({_IN})")
    op.create_check_constraint("tenants_plan", "tenants", f"plan IN ({_IN})", schema=S)
    for column in ("feature_overrides", "limit_overrides"):
        op.create_check_constraint(
            f"tenants_{column}_object", "tenants", f"jsonb_typeof({column}) = 'object'", schema=S
        )


def downgrade() -> None:
    for column in ("feature_overrides", "limit_overrides"):
        op.drop_constraint(f"tenants_{column}_object", "tenants", schema=S)
    op.drop_constraint("tenants_plan", "tenants", schema=S)
    for column in ("limit_overrides", "feature_overrides"):
        op.drop_column("tenants", column, schema=S)
