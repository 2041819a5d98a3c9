"""Posted entries per calendar month, counted as they post: what `maxTransactions` limits.

Every posting adds its entries to one shard row of the month (shard: the backend's pid modulo
the shard count), so concurrent postings rarely touch the same row and never queue on one
counter; the month's count is the sum of its shards. db/tenant_plans.py `SqlLimitCounter`
explains how the limit is enforced from it. The current month is filled from the entries
already posted.

Revision ID: 0009_tenant_posting_counters
Revises: 0005_tenant_currency
Create Date: 2026-11-24
"""

from alembic import op

revision = "0009_tenant_posting_counters"
down_revision = "0005_tenant_currency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE posting_counters (
            month DATE NOT NULL CHECK (EXTRACT(DAY FROM month) = 1),
            shard SMALLINT NOT NULL CHECK (shard >= 0),
            posted BIGINT NOT NULL DEFAULT 0 CHECK (posted >= 0),
            PRIMARY KEY (month, shard)
        )
        """
    )
    op.execute(
        """
        INSERT INTO posting_counters (month, shard, posted)
        SELECT date_trunc('month', now())::date, 0, count(*) FROM transactions
        WHERE posted_at >= date_trunc('month', now())
        HAVING count(*) > 0
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE posting_counters")
