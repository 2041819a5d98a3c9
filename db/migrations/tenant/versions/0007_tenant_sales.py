"""Sales & CRM: tax codes, customers, sales documents (quotations, sales orders, deliveries,
invoices, credit and debit notes) with their lines, payments received and their allocations,
the customer balance read model, per-company document number sequences.

- `customers.tax_id` is encrypted at rest with a blind index beside it (db/crypto.py).
- `tax_codes` is shared with purchasing (a company's SST codes; seeded on first read).
- `sales_documents` holds every kind of sales document (`kind`); numbers are gapless per company
  and kind (`sales_number_sequences`, a row locked until the drawing transaction commits).
- `customer_balances` is a projection maintained by the `sales.customer_balance` event handler
  (exactly once per event through `processed_events`); `customer_balance_events` records which
  event changed what, so a balance can be audited back to its events.

Revision ID: 0007_tenant_sales
Revises: 0006_tenant_inventory
Create Date: 2026-11-24
"""

from alembic import op

revision = "0007_tenant_sales"
down_revision = "0006_tenant_inventory"
branch_labels = None
depends_on = None

UPGRADE = [
    """
CREATE TABLE tax_codes (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    code VARCHAR(20) NOT NULL,
    name VARCHAR(100) NOT NULL,
    rate NUMERIC(7,4) NOT NULL CHECK (rate >= 0 AND rate <= 100),
    kind VARCHAR(10) NOT NULL DEFAULT 'sales' CHECK (kind IN ('sales', 'service', 'exempt')),
    account_id UUID REFERENCES chart_of_accounts(id),
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    UNIQUE (company_id, code)
)""",
    """
CREATE TABLE customers (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    code VARCHAR(30) NOT NULL,
    name VARCHAR(255) NOT NULL,
    tax_id TEXT,  -- encrypted (db/crypto.py: CUSTOMER_TAX_ID)
    tax_id_index BYTEA,  -- its blind index
    registration_number VARCHAR(50),
    email VARCHAR(255),
    phone VARCHAR(50),
    addresses JSONB NOT NULL DEFAULT '[]',
    contacts JSONB NOT NULL DEFAULT '[]',
    currency_code VARCHAR(3) NOT NULL,
    payment_terms_days INTEGER NOT NULL DEFAULT 30
        CHECK (payment_terms_days >= 0 AND payment_terms_days <= 3650),
    credit_limit NUMERIC(19,4) CHECK (credit_limit IS NULL OR credit_limit >= 0),
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    updated_by UUID NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, code),
    UNIQUE (id, company_id)
)""",
    "CREATE INDEX customers_company_name ON customers (company_id, lower(name))",
    "CREATE INDEX customers_company_tax_id_index ON customers (company_id, tax_id_index)"
    " WHERE tax_id_index IS NOT NULL",
    """
CREATE TABLE sales_number_sequences (
    company_id UUID NOT NULL REFERENCES companies(id),
    kind VARCHAR(12) NOT NULL,
    next_value BIGINT NOT NULL,
    PRIMARY KEY (company_id, kind)
)""",
    """
CREATE TABLE sales_account_settings (
    company_id UUID NOT NULL REFERENCES companies(id),
    role VARCHAR(20) NOT NULL,
    account_id UUID NOT NULL REFERENCES chart_of_accounts(id),
    PRIMARY KEY (company_id, role)
)""",
    """
CREATE TABLE sales_settings (
    company_id UUID PRIMARY KEY REFERENCES companies(id),
    tax_rounding VARCHAR(10) NOT NULL DEFAULT 'half_up'
        CHECK (tax_rounding IN ('half_up', 'half_even', 'down'))
)""",
    """
CREATE TABLE sales_documents (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    kind VARCHAR(12) NOT NULL CHECK (kind IN
        ('quotation', 'sales_order', 'delivery', 'invoice', 'credit_note', 'debit_note')),
    number VARCHAR(30),
    customer_id UUID NOT NULL,
    status VARCHAR(20) NOT NULL,
    issue_date DATE NOT NULL,
    due_date DATE,
    currency_code VARCHAR(3) NOT NULL,
    exchange_rate NUMERIC(19,10) NOT NULL DEFAULT 1 CHECK (exchange_rate > 0),
    warehouse_id UUID,
    source_id UUID REFERENCES sales_documents(id),
    reference VARCHAR(100),
    notes TEXT,
    subtotal NUMERIC(19,4) NOT NULL DEFAULT 0,
    tax_total NUMERIC(19,4) NOT NULL DEFAULT 0,
    total NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (total >= 0),
    base_total NUMERIC(19,4) NOT NULL DEFAULT 0,
    amount_paid NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (amount_paid >= 0),
    amount_credited NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (amount_credited >= 0),
    base_settled NUMERIC(19,4) NOT NULL DEFAULT 0,
    journal_entry_id UUID,
    stock_entry_id UUID,
    posted_at TIMESTAMP WITH TIME ZONE,
    voided_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    updated_by UUID NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, kind, number),
    FOREIGN KEY (customer_id, company_id) REFERENCES customers (id, company_id),
    CHECK (amount_paid + amount_credited <= total)
)""",
    "CREATE INDEX sales_documents_list ON sales_documents (company_id, kind, created_at, id)",
    "CREATE INDEX sales_documents_issue ON sales_documents (company_id, kind, issue_date, id)",
    "CREATE INDEX sales_documents_due ON sales_documents (company_id, kind, due_date, id)",
    "CREATE INDEX sales_documents_customer ON sales_documents (customer_id, kind, issue_date)",
    "CREATE INDEX sales_documents_source ON sales_documents (source_id)",
    """
CREATE TABLE sales_document_lines (
    document_id UUID NOT NULL REFERENCES sales_documents(id),
    line_number SMALLINT NOT NULL,
    company_id UUID NOT NULL REFERENCES companies(id),
    product_id UUID,
    description TEXT NOT NULL,
    quantity NUMERIC(19,4) NOT NULL CHECK (quantity > 0),
    unit_price NUMERIC(19,4) NOT NULL CHECK (unit_price >= 0),
    discount_percent NUMERIC(7,4) NOT NULL DEFAULT 0
        CHECK (discount_percent >= 0 AND discount_percent <= 100),
    tax_code VARCHAR(20),
    tax_rate NUMERIC(7,4) NOT NULL DEFAULT 0,
    net_amount NUMERIC(19,4) NOT NULL,
    tax_amount NUMERIC(19,4) NOT NULL,
    line_total NUMERIC(19,4) NOT NULL,
    revenue_account_id UUID,
    tax_account_id UUID,
    warehouse_id UUID,
    source_line_number SMALLINT,
    cost_amount NUMERIC(19,4) NOT NULL DEFAULT 0,
    fulfilled_quantity NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (fulfilled_quantity >= 0),
    PRIMARY KEY (document_id, line_number)
)""",
    """
CREATE TABLE customer_payments (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    customer_id UUID NOT NULL,
    kind VARCHAR(8) NOT NULL CHECK (kind IN ('receipt', 'refund')),
    number VARCHAR(30) NOT NULL,
    payment_date DATE NOT NULL,
    currency_code VARCHAR(3) NOT NULL,
    exchange_rate NUMERIC(19,10) NOT NULL DEFAULT 1 CHECK (exchange_rate > 0),
    amount NUMERIC(19,4) NOT NULL CHECK (amount > 0),
    allocated_amount NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (allocated_amount >= 0),
    refunded_amount NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
    bank_account_id UUID NOT NULL REFERENCES chart_of_accounts(id),
    reference VARCHAR(100),
    notes TEXT,
    journal_entry_id UUID,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, number),
    FOREIGN KEY (customer_id, company_id) REFERENCES customers (id, company_id),
    CHECK (allocated_amount + refunded_amount <= amount)
)""",
    "CREATE INDEX customer_payments_list ON customer_payments (company_id, created_at, id)",
    "CREATE INDEX customer_payments_customer ON customer_payments (customer_id, payment_date)",
    """
CREATE TABLE payment_allocations (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    payment_id UUID NOT NULL REFERENCES customer_payments(id),
    invoice_id UUID NOT NULL REFERENCES sales_documents(id),
    allocation_date DATE NOT NULL,
    amount NUMERIC(19,4) NOT NULL CHECK (amount > 0),
    base_amount NUMERIC(19,4) NOT NULL,
    fx_difference NUMERIC(19,4) NOT NULL DEFAULT 0,
    journal_entry_id UUID,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
)""",
    "CREATE INDEX payment_allocations_invoice ON payment_allocations (invoice_id)",
    "CREATE INDEX payment_allocations_payment ON payment_allocations (payment_id)",
    """
CREATE TABLE sales_requests (
    company_id UUID NOT NULL REFERENCES companies(id),
    operation VARCHAR(30) NOT NULL,
    idempotency_key VARCHAR(200) NOT NULL,
    request_hash CHAR(64) NOT NULL,
    result_id UUID,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    PRIMARY KEY (company_id, operation, idempotency_key)
)""",
    """
CREATE TABLE customer_balances (
    customer_id UUID PRIMARY KEY REFERENCES customers(id),
    company_id UUID NOT NULL REFERENCES companies(id),
    receivable NUMERIC(19,4) NOT NULL DEFAULT 0,
    advance NUMERIC(19,4) NOT NULL DEFAULT 0,
    draft_total NUMERIC(19,4) NOT NULL DEFAULT 0,
    events_applied BIGINT NOT NULL DEFAULT 0,
    last_event_at TIMESTAMP WITH TIME ZONE,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
)""",
    "CREATE INDEX customer_balances_company ON customer_balances (company_id)",
]

DOWNGRADE = [
    "DROP TABLE IF EXISTS sales_requests, customer_balances, payment_allocations,"
    " customer_payments, sales_document_lines, sales_documents, sales_settings,"
    " sales_account_settings, sales_number_sequences, customers, tax_codes",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
