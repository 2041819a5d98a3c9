"""Accounting: chart of accounts, fiscal years and periods, journal entries (the spec's
`transactions`) with month-partitioned journal lines, balance read models, gapless numbering.

The database enforces the ledger's invariants a second time, whatever code writes to it:
- amounts are NUMERIC(19,4), never negative, and a line is a debit or a credit, not both;
- an entry's base-currency debits equal its credits, checked at commit by a deferred
  constraint trigger (so the lines of one entry may be inserted one by one);
- a line's account and entry belong to the line's company (composite foreign keys);
- posted entries and their lines do not change (triggers), except posted -> reversed.

Functions are created with `SET search_path FROM CURRENT`: they run in this tenant's schema
whichever search_path the caller has.

Revision ID: 0004_tenant_accounting
Revises: 0001_tenant
Create Date: 2026-11-25
"""

from alembic import op

revision = "0004_tenant_accounting"
down_revision = "0001_tenant"
branch_labels = None
depends_on = None


UPGRADE = r"""
CREATE TYPE account_type_enum AS ENUM ('asset', 'liability', 'equity', 'revenue', 'expense');
CREATE TYPE transaction_status_enum AS ENUM ('draft', 'posted', 'reversed');

CREATE TABLE chart_of_accounts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id UUID NOT NULL REFERENCES companies(id),
    account_code VARCHAR(20) NOT NULL,
    account_name VARCHAR(255) NOT NULL,
    account_type account_type_enum NOT NULL,
    account_subtype VARCHAR(40),
    parent_account_id UUID,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    updated_by UUID NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, account_code),
    UNIQUE (id, company_id),
    FOREIGN KEY (parent_account_id, company_id) REFERENCES chart_of_accounts (id, company_id),
    CHECK (parent_account_id IS NULL OR parent_account_id <> id)
);

CREATE TABLE fiscal_years (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    name VARCHAR(50) NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    UNIQUE (id, company_id),
    CHECK (end_date >= start_date)
);
CREATE INDEX fiscal_years_company ON fiscal_years (company_id, start_date);

CREATE TABLE fiscal_periods (
    id UUID PRIMARY KEY,
    fiscal_year_id UUID NOT NULL,
    company_id UUID NOT NULL,
    period_number SMALLINT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    status VARCHAR(10) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'locked')),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_by UUID NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (fiscal_year_id, period_number),
    FOREIGN KEY (fiscal_year_id, company_id) REFERENCES fiscal_years (id, company_id),
    CHECK (end_date >= start_date)
);
CREATE INDEX fiscal_periods_company_dates ON fiscal_periods (company_id, start_date, end_date);

-- Gapless entry numbers: one row per company and fiscal year, locked by each posting.
CREATE TABLE entry_number_sequences (
    fiscal_year_id UUID PRIMARY KEY,
    company_id UUID NOT NULL,
    next_value BIGINT NOT NULL DEFAULT 1 CHECK (next_value >= 1),
    FOREIGN KEY (fiscal_year_id, company_id) REFERENCES fiscal_years (id, company_id)
);

-- The spec's `transactions`: the journal entry header.
CREATE TABLE transactions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id UUID NOT NULL REFERENCES companies(id),
    transaction_date DATE NOT NULL,
    reference VARCHAR(100),
    description TEXT,
    total_amount NUMERIC(19,4) NOT NULL CHECK (total_amount >= 0),
    currency_code VARCHAR(3) NOT NULL,
    status transaction_status_enum NOT NULL DEFAULT 'draft',
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    entry_number VARCHAR(30),
    fiscal_year_id UUID,
    reversal_of UUID REFERENCES transactions(id),
    reversed_by UUID,
    created_by UUID NOT NULL,
    posted_at TIMESTAMP WITH TIME ZONE,
    posted_by UUID,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (id, company_id, transaction_date),
    UNIQUE (fiscal_year_id, entry_number),
    FOREIGN KEY (fiscal_year_id, company_id) REFERENCES fiscal_years (id, company_id),
    CHECK ((status = 'draft') = (entry_number IS NULL)),
    CHECK ((status = 'draft') = (posted_at IS NULL)),
    CHECK ((status = 'draft') = (fiscal_year_id IS NULL)),
    CHECK ((status = 'reversed') = (reversed_by IS NOT NULL))
);
CREATE INDEX transactions_company_created ON transactions (company_id, created_at, id);
CREATE INDEX transactions_company_date ON transactions (company_id, transaction_date);
CREATE UNIQUE INDEX transactions_one_reversal ON transactions (reversal_of)
    WHERE reversal_of IS NOT NULL;

-- Idempotency keys of createJournalEntry / postJournalEntry, unique per company. A request
-- claims its key first thing; a concurrent retry waits on the claim, then replays the result.
CREATE TABLE journal_requests (
    company_id UUID NOT NULL REFERENCES companies(id),
    idempotency_key VARCHAR(200) NOT NULL,
    request_hash CHAR(64) NOT NULL,
    transaction_id UUID REFERENCES transactions(id),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    PRIMARY KEY (company_id, idempotency_key)
);

-- Journal lines, range-partitioned by month on the entry's date.
CREATE TABLE journal_lines (
    transaction_id UUID NOT NULL,
    line_number SMALLINT NOT NULL CHECK (line_number >= 1),
    transaction_date DATE NOT NULL,
    company_id UUID NOT NULL,
    account_id UUID NOT NULL,
    description TEXT,
    currency_code VARCHAR(3) NOT NULL,
    exchange_rate NUMERIC(19,10) NOT NULL CHECK (exchange_rate > 0),
    debit NUMERIC(19,4) NOT NULL DEFAULT 0,
    credit NUMERIC(19,4) NOT NULL DEFAULT 0,
    base_debit NUMERIC(19,4) NOT NULL DEFAULT 0,
    base_credit NUMERIC(19,4) NOT NULL DEFAULT 0,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    PRIMARY KEY (transaction_id, line_number, transaction_date),
    FOREIGN KEY (transaction_id, company_id, transaction_date)
        REFERENCES transactions (id, company_id, transaction_date),
    FOREIGN KEY (account_id, company_id) REFERENCES chart_of_accounts (id, company_id),
    CONSTRAINT journal_lines_not_negative
        CHECK (debit >= 0 AND credit >= 0 AND base_debit >= 0 AND base_credit >= 0),
    CONSTRAINT journal_lines_one_side CHECK ((debit > 0) <> (credit > 0)),
    CONSTRAINT journal_lines_base_side
        CHECK ((base_debit > 0) = (debit > 0) AND (base_credit > 0) = (credit > 0))
) PARTITION BY RANGE (transaction_date);
CREATE INDEX journal_lines_account ON journal_lines (account_id, transaction_date);
CREATE TABLE journal_lines_default PARTITION OF journal_lines DEFAULT;

-- Balance read models, maintained in the posting transaction: reports never read lines.
-- Per account and calendar month ...
CREATE TABLE account_balances (
    account_id UUID NOT NULL,
    period_month DATE NOT NULL CHECK (EXTRACT(DAY FROM period_month) = 1),
    company_id UUID NOT NULL,
    debit_total NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (debit_total >= 0),
    credit_total NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (credit_total >= 0),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    PRIMARY KEY (account_id, period_month),
    FOREIGN KEY (account_id, company_id) REFERENCES chart_of_accounts (id, company_id)
);
CREATE INDEX account_balances_company ON account_balances (company_id, period_month);
-- ... and per account and day, so a balance "as of" any date reads at most one month of days.
CREATE TABLE account_daily_balances (
    account_id UUID NOT NULL,
    balance_date DATE NOT NULL,
    company_id UUID NOT NULL,
    debit_total NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (debit_total >= 0),
    credit_total NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (credit_total >= 0),
    PRIMARY KEY (account_id, balance_date),
    FOREIGN KEY (account_id, company_id) REFERENCES chart_of_accounts (id, company_id)
);
CREATE INDEX account_daily_balances_company ON account_daily_balances (company_id, balance_date);

-- Month partitions, created ahead: `p_months` months from the month of `p_from`. Returns how
-- many it created (0: all existed). Serialised per schema by an advisory lock.
CREATE FUNCTION journal_lines_ensure_partitions(p_from DATE, p_months INTEGER)
RETURNS INTEGER LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    schema_name TEXT := current_schema();
    month_start DATE := date_trunc('month', p_from)::date;
    partition_name TEXT;
    created INTEGER := 0;
BEGIN
    FOR i IN 0 .. p_months - 1 LOOP
        partition_name := format('journal_lines_y%sm%s',
            to_char(month_start, 'YYYY'), to_char(month_start, 'MM'));
        IF to_regclass(format('%I.%I', schema_name, partition_name)) IS NULL THEN
            PERFORM pg_advisory_xact_lock(hashtext(schema_name || '.journal_lines'));
            IF to_regclass(format('%I.%I', schema_name, partition_name)) IS NULL THEN
                EXECUTE format(
                    'CREATE TABLE %I.%I PARTITION OF %I.journal_lines '
                    'FOR VALUES FROM (%L) TO (%L)',
                    schema_name, partition_name, schema_name,
                    month_start, (month_start + INTERVAL '1 month')::date);
                created := created + 1;
            END IF;
        END IF;
        month_start := (month_start + INTERVAL '1 month')::date;
    END LOOP;
    RETURN created;
END;
$$;

-- Debits equal credits in base currency, per entry, at commit.
CREATE FUNCTION journal_lines_check_balance() RETURNS TRIGGER
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    line journal_lines%ROWTYPE;
    debits NUMERIC;
    credits NUMERIC;
BEGIN
    IF TG_OP = 'DELETE' THEN line := OLD; ELSE line := NEW; END IF;
    SELECT COALESCE(sum(base_debit), 0), COALESCE(sum(base_credit), 0)
      INTO debits, credits
      FROM journal_lines
     WHERE transaction_id = line.transaction_id
       AND transaction_date = line.transaction_date;
    IF debits <> credits THEN
        RAISE EXCEPTION 'journal entry % does not balance: debits %, credits %',
            line.transaction_id, debits, credits
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entry_balanced';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER journal_entry_balanced
    AFTER INSERT OR UPDATE OR DELETE ON journal_lines
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION journal_lines_check_balance();

-- Lines of a posted (or reversed) entry never change.
CREATE FUNCTION journal_lines_immutable() RETURNS TRIGGER
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF (SELECT status FROM transactions WHERE id = OLD.transaction_id) <> 'draft' THEN
        RAISE EXCEPTION 'lines of posted journal entry % cannot change', OLD.transaction_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER journal_lines_immutable
    BEFORE UPDATE OR DELETE ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION journal_lines_immutable();

-- A posted entry changes only to become reversed; a reversed one never changes.
CREATE FUNCTION transactions_immutable() RETURNS TRIGGER
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'posted' AND NEW.status = 'reversed'
       AND (NEW.company_id, NEW.transaction_date, NEW.reference, NEW.description,
            NEW.total_amount, NEW.currency_code, NEW.entry_number, NEW.fiscal_year_id,
            NEW.reversal_of, NEW.created_by, NEW.posted_at, NEW.posted_by)
           IS NOT DISTINCT FROM
           (OLD.company_id, OLD.transaction_date, OLD.reference, OLD.description,
            OLD.total_amount, OLD.currency_code, OLD.entry_number, OLD.fiscal_year_id,
            OLD.reversal_of, OLD.created_by, OLD.posted_at, OLD.posted_by) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'journal entry % is % and cannot change', OLD.id, OLD.status
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER transactions_immutable
    BEFORE UPDATE OR DELETE ON transactions
    FOR EACH ROW EXECUTE FUNCTION transactions_immutable();
"""

DOWNGRADE = """
DROP TABLE IF EXISTS account_daily_balances, account_balances, journal_lines, journal_requests,
    transactions, entry_number_sequences, fiscal_periods, fiscal_years, chart_of_accounts CASCADE;
DROP FUNCTION IF EXISTS journal_lines_ensure_partitions(DATE, INTEGER);
DROP FUNCTION IF EXISTS journal_lines_check_balance();
DROP FUNCTION IF EXISTS journal_lines_immutable();
DROP FUNCTION IF EXISTS transactions_immutable();
DROP TYPE IF EXISTS transaction_status_enum;
DROP TYPE IF EXISTS account_type_enum;
"""


def _statements(script: str) -> list[str]:
    """One statement per execute (the driver prepares each): split at `;` ending a line,
    except inside a $$-quoted function body."""
    out, current, in_body = [], [], False
    for line in script.splitlines():
        current.append(line)
        if line.count("$$") % 2:
            in_body = not in_body
        if not in_body and line.rstrip().endswith(";") and not line.lstrip().startswith("--"):
            statement = "\n".join(current).strip()
            if statement:
                out.append(statement)
            current = []
    return out


def upgrade() -> None:
    for statement in _statements(UPGRADE):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(DOWNGRADE):
        op.execute(statement)
