"""Open items carry their revaluations: each invoice's and bill's share of a revaluation that
stays, and what has been relieved of a bill in base currency.

- `fx_revaluation_items`: per revaluation entry (not auto-reversed) and open foreign document,
  the change the revaluation made to the document's carrying amount (`base_change`, in the
  document's own direction: > 0 the receivable or payable grew). The entry's line on the control
  account is the sum of its items' shares (plus, on a line of its own, what no document holds).
  A settlement relieves a document at base_total - base_settled + the shares in force on its
  date (db/repositories/currency.py `carrying_shares`).
- `bills.base_settled`: the AP relieved so far in base currency (payments, advances applied and
  supplier credits), as sales documents already keep it, so the last settlement relieves exactly
  what is left. Existing bills: the payments' cleared base plus each credit at the bill's rate
  (4 places, as credits were booked before base amounts were whole sen).

Revision ID: 0014_tenant_carrying_amount
Revises: 0008_tenant_purchasing
Create Date: 2026-12-07
"""

from alembic import op

revision = "0014_tenant_carrying_amount"
down_revision = "0008_tenant_purchasing"
branch_labels = None
depends_on = None

UPGRADE = [
    """
CREATE TABLE fx_revaluation_items (
    transaction_id UUID NOT NULL,
    document_id UUID NOT NULL,
    ledger VARCHAR(10) NOT NULL CHECK (ledger IN ('receivable', 'payable')),
    party_id UUID NOT NULL,
    company_id UUID NOT NULL,
    account_id UUID NOT NULL,
    currency_code VARCHAR(3) NOT NULL,
    amount_due NUMERIC(19,4) NOT NULL,
    rate NUMERIC(19,10) NOT NULL,
    base_change NUMERIC(19,4) NOT NULL,
    PRIMARY KEY (transaction_id, document_id)
)""",
    "CREATE INDEX fx_revaluation_items_document ON fx_revaluation_items (document_id)",
    "ALTER TABLE bills ADD COLUMN base_settled NUMERIC(19,4) NOT NULL DEFAULT 0",
    """
UPDATE bills b SET base_settled =
    coalesce((SELECT sum(a.base_cleared) FROM supplier_payment_allocations a
              WHERE a.bill_id = b.id), 0)
  + coalesce((SELECT sum(round(c.total * c.exchange_rate, 4)) FROM supplier_credits c
              WHERE c.bill_id = b.id), 0)
WHERE b.base_total IS NOT NULL""",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("ALTER TABLE bills DROP COLUMN IF EXISTS base_settled")
    op.execute("DROP TABLE IF EXISTS fx_revaluation_items")
