"""A journal entry's kind: the year-end closing entry is known by a column, not by its text.

The reports used to leave out of the income statement every entry whose reference started with
`YEAR-END:`, so a user's entry referenced "YEAR-END: bonus accrual" vanished from it. Now
`transactions.kind` says what made the entry (`standard`, or `year_end_closing` set only by
closeFiscalYear), and the reports read that.

Existing closing entries are found by the record of the command that posted them: the audit
row of a successful `closeFiscalYear` names the closing entry as its aggregate (its first
event), in the same transaction. An entry so recorded and dated on its fiscal year's last day
is marked; its reference text plays no part. The immutability trigger now also keeps the kind
of a posted entry fixed.

Revision ID: 0011_tenant_closing_entry_kind
Revises: 0004_tenant_accounting
Create Date: 2026-12-01
"""

from alembic import op

revision = "0011_tenant_closing_entry_kind"
down_revision = "0004_tenant_accounting"
branch_labels = None
depends_on = None

# The immutability rule of 0004 with `kind` among the columns a reversal may not change.
_IMMUTABLE = """
CREATE OR REPLACE FUNCTION transactions_immutable() RETURNS TRIGGER
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'posted' AND NEW.status = 'reversed'
       AND (NEW.company_id, NEW.transaction_date, NEW.reference, NEW.description,
            NEW.total_amount, NEW.currency_code, NEW.entry_number, NEW.fiscal_year_id,
            NEW.reversal_of, NEW.created_by, NEW.posted_at, NEW.posted_by{kind})
           IS NOT DISTINCT FROM
           (OLD.company_id, OLD.transaction_date, OLD.reference, OLD.description,
            OLD.total_amount, OLD.currency_code, OLD.entry_number, OLD.fiscal_year_id,
            OLD.reversal_of, OLD.created_by, OLD.posted_at, OLD.posted_by{old_kind}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'journal entry % is % and cannot change', OLD.id, OLD.status
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$
"""

# The closing entries closeFiscalYear posted before this column existed (see above).
MARK_CLOSING_ENTRIES = """
UPDATE transactions t SET kind = 'year_end_closing'
FROM fiscal_years y
WHERE y.id = t.fiscal_year_id AND t.transaction_date = y.end_date AND t.status <> 'draft'
  AND EXISTS (
      SELECT 1 FROM shared.audit_log a JOIN shared.tenants tn ON tn.id = a.tenant_id
      WHERE tn.schema_name = current_schema() AND a.aggregate_id = t.id
        AND a.operation = 'closeFiscalYear' AND a.outcome = 'ok')
"""


def upgrade() -> None:
    op.execute(
        "ALTER TABLE transactions ADD COLUMN kind VARCHAR(20) NOT NULL DEFAULT 'standard'"
        " CONSTRAINT transactions_kind CHECK (kind IN ('standard', 'year_end_closing'))"
    )
    # The reports read the closing entries of a date range: a handful, however large the books.
    op.execute(
        "CREATE INDEX transactions_year_end_closing ON transactions (company_id, transaction_date)"
        " WHERE kind = 'year_end_closing'"
    )
    op.execute("ALTER TABLE transactions DISABLE TRIGGER transactions_immutable")
    op.execute(MARK_CLOSING_ENTRIES)
    op.execute("ALTER TABLE transactions ENABLE TRIGGER transactions_immutable")
    op.execute(_IMMUTABLE.format(kind=", NEW.kind", old_kind=", OLD.kind"))


def downgrade() -> None:
    op.execute(_IMMUTABLE.format(kind="", old_kind=""))
    op.execute("DROP INDEX IF EXISTS transactions_year_end_closing")
    op.execute("ALTER TABLE transactions DROP COLUMN IF EXISTS kind")
