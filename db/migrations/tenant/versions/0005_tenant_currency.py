"""Multi-currency: exchange rates by date, per-currency balance read model, revaluations.

- `exchange_rates`: one rate per company, foreign currency and effective date, converting one
  unit of the foreign currency into the company's base currency. NUMERIC(19,10), the precision
  journal lines already store their rate in: a rate taken from this table fits a line exactly,
  and 10 places keep weak currencies (IDR->MYR ~ 0.0002869) at 6+ significant digits.
- `account_currency_balances`: per account, currency and day, the original-currency debits and
  credits and their booked base amounts of posted foreign-currency lines. Revaluation reads
  these sums (at most a row per account, currency and day), never the journal lines.
- `fx_revaluations` / `fx_revaluation_lines`: marks an entry as an unrealized-FX revaluation and
  records, per account and currency, the base adjustment it booked (an adjustment still in force
  counts as booked base value for the next revaluation).

Revision ID: 0005_tenant_currency
Revises: 0004_tenant_accounting
Create Date: 2026-11-24
"""

from alembic import op

revision = "0005_tenant_currency"
down_revision = "0004_tenant_accounting"
branch_labels = None
depends_on = None

UPGRADE = [
    """
CREATE TABLE exchange_rates (
    company_id UUID NOT NULL REFERENCES companies(id),
    from_currency VARCHAR(3) NOT NULL,
    to_currency VARCHAR(3) NOT NULL,
    effective_date DATE NOT NULL,
    rate NUMERIC(19,10) NOT NULL CHECK (rate > 0),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_by UUID NOT NULL,
    PRIMARY KEY (company_id, from_currency, effective_date),
    CHECK (from_currency <> to_currency)
)""",
    """
CREATE TABLE account_currency_balances (
    account_id UUID NOT NULL,
    currency_code VARCHAR(3) NOT NULL,
    balance_date DATE NOT NULL,
    company_id UUID NOT NULL,
    debit_total NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (debit_total >= 0),
    credit_total NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (credit_total >= 0),
    base_debit_total NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (base_debit_total >= 0),
    base_credit_total NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (base_credit_total >= 0),
    PRIMARY KEY (account_id, currency_code, balance_date),
    FOREIGN KEY (account_id, company_id) REFERENCES chart_of_accounts (id, company_id)
)""",
    "CREATE INDEX account_currency_balances_company"
    " ON account_currency_balances (company_id, balance_date)",
    """
CREATE TABLE fx_revaluations (
    transaction_id UUID PRIMARY KEY REFERENCES transactions(id),
    company_id UUID NOT NULL REFERENCES companies(id),
    as_of DATE NOT NULL,
    auto_reverse BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
)""",
    """
CREATE TABLE fx_revaluation_lines (
    transaction_id UUID NOT NULL REFERENCES fx_revaluations(transaction_id),
    account_id UUID NOT NULL,
    currency_code VARCHAR(3) NOT NULL,
    foreign_balance NUMERIC(19,4) NOT NULL,
    rate NUMERIC(19,10) NOT NULL,
    base_adjustment NUMERIC(19,4) NOT NULL,
    PRIMARY KEY (transaction_id, account_id, currency_code)
)""",
]

DOWNGRADE = [
    "DROP TABLE IF EXISTS fx_revaluation_lines, fx_revaluations, account_currency_balances,"
    " exchange_rates",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
