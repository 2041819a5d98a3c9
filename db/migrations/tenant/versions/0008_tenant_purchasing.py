"""Purchasing: suppliers and their AP balances, purchase orders, goods receipts, supplier bills,
payments made (with their allocations to bills) and supplier credits.

- `supplier_balances`: the AP sub-ledger per supplier, kept in the same transaction as the
  posting that changes it: `payable`/`advance` in the supplier's currency, `base_payable` /
  `base_advance` exactly the base amounts booked to Trade Payables / Advances to Suppliers, so
  the control accounts equal the sum of these rows.
- `goods_receipt_lines.billed_quantity/billed_value`: how much of a receipt bills have matched
  and how much of its GRNI value they cleared (the three-way match reads these).
- `purchasing_sequences`: gapless document numbers per company and kind (PO, GRN, BILL, PAY,
  SC), row-locked by the command that takes the next one.
- `purchasing_requests`: idempotency keys of payments made (a retry returns the first payment).
- `purchasing_settings`: per company, accounts chosen instead of the defaults by chart code and
  the bill-to-receipt match tolerances (percent).

Revision ID: 0008_tenant_purchasing
Revises: 0007_tenant_sales
Create Date: 2026-11-24
"""

from alembic import op

revision = "0008_tenant_purchasing"
down_revision = "0007_tenant_sales"
branch_labels = None
depends_on = None

UPGRADE = [
    """
CREATE TABLE suppliers (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    code VARCHAR(30) NOT NULL,
    name VARCHAR(255) NOT NULL,
    tax_id TEXT,  -- encrypted (db/crypto.py: SUPPLIER_TAX_ID)
    tax_id_index BYTEA,  -- its blind index
    registration_number VARCHAR(100),
    addresses JSONB NOT NULL DEFAULT '[]',
    contacts JSONB NOT NULL DEFAULT '[]',
    currency_code VARCHAR(3) NOT NULL,
    payment_terms_days INTEGER NOT NULL DEFAULT 30 CHECK (payment_terms_days >= 0),
    credit_limit NUMERIC(19,4) CHECK (credit_limit >= 0),
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_by UUID NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, code),
    UNIQUE (id, company_id)
)""",
    "CREATE INDEX suppliers_company_name ON suppliers (company_id, lower(name), id)",
    "CREATE INDEX suppliers_company_tax_id_index ON suppliers (company_id, tax_id_index)"
    " WHERE tax_id_index IS NOT NULL",
    """
CREATE TABLE supplier_balances (
    supplier_id UUID PRIMARY KEY,
    company_id UUID NOT NULL,
    currency_code VARCHAR(3) NOT NULL,
    payable NUMERIC(19,4) NOT NULL DEFAULT 0,
    base_payable NUMERIC(19,4) NOT NULL DEFAULT 0,
    advance NUMERIC(19,4) NOT NULL DEFAULT 0,
    base_advance NUMERIC(19,4) NOT NULL DEFAULT 0,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    FOREIGN KEY (supplier_id, company_id) REFERENCES suppliers (id, company_id)
)""",
    "CREATE INDEX supplier_balances_company ON supplier_balances (company_id)",
    """
CREATE TABLE purchasing_settings (
    company_id UUID PRIMARY KEY REFERENCES companies(id),
    payable_account_id UUID,
    goods_received_account_id UUID,
    advances_account_id UUID,
    purchases_account_id UUID,
    fx_gain_account_id UUID,
    fx_loss_account_id UUID,
    bank_account_id UUID,
    price_tolerance_percent NUMERIC(7,4) NOT NULL DEFAULT 2
        CHECK (price_tolerance_percent BETWEEN 0 AND 100),
    quantity_tolerance_percent NUMERIC(7,4) NOT NULL DEFAULT 0
        CHECK (quantity_tolerance_percent BETWEEN 0 AND 100),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_by UUID NOT NULL
)""",
    """
CREATE TABLE purchasing_sequences (
    company_id UUID NOT NULL REFERENCES companies(id),
    kind VARCHAR(10) NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (company_id, kind)
)""",
    """
CREATE TABLE purchase_orders (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL,
    supplier_id UUID NOT NULL,
    number VARCHAR(30) NOT NULL,
    order_date DATE NOT NULL,
    expected_date DATE,
    warehouse_id UUID NOT NULL,
    currency_code VARCHAR(3) NOT NULL,
    status VARCHAR(20) NOT NULL
        CHECK (status IN ('open', 'partially_received', 'received', 'cancelled')),
    notes TEXT,
    total NUMERIC(19,4) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, number),
    UNIQUE (id, company_id),
    FOREIGN KEY (supplier_id, company_id) REFERENCES suppliers (id, company_id),
    FOREIGN KEY (warehouse_id, company_id) REFERENCES warehouses (id, company_id)
)""",
    "CREATE INDEX purchase_orders_company ON purchase_orders (company_id, created_at, id)",
    "CREATE INDEX purchase_orders_supplier ON purchase_orders (supplier_id)",
    """
CREATE TABLE purchase_order_lines (
    id UUID PRIMARY KEY,
    order_id UUID NOT NULL,
    company_id UUID NOT NULL,
    line_number INTEGER NOT NULL,
    product_id UUID NOT NULL,
    description TEXT,
    quantity NUMERIC(19,4) NOT NULL CHECK (quantity > 0),
    unit_price NUMERIC(19,4) NOT NULL CHECK (unit_price >= 0),
    amount NUMERIC(19,4) NOT NULL,
    received_quantity NUMERIC(19,4) NOT NULL DEFAULT 0
        CHECK (received_quantity >= 0 AND received_quantity <= quantity),
    UNIQUE (order_id, line_number),
    FOREIGN KEY (order_id, company_id) REFERENCES purchase_orders (id, company_id),
    FOREIGN KEY (product_id, company_id) REFERENCES products (id, company_id)
)""",
    """
CREATE TABLE goods_receipts (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL,
    supplier_id UUID NOT NULL,
    order_id UUID NOT NULL,
    number VARCHAR(30) NOT NULL,
    receipt_date DATE NOT NULL,
    currency_code VARCHAR(3) NOT NULL,
    exchange_rate NUMERIC(19,10) NOT NULL CHECK (exchange_rate > 0),
    notes TEXT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    UNIQUE (company_id, number),
    UNIQUE (id, company_id),
    FOREIGN KEY (order_id, company_id) REFERENCES purchase_orders (id, company_id),
    FOREIGN KEY (supplier_id, company_id) REFERENCES suppliers (id, company_id)
)""",
    "CREATE INDEX goods_receipts_company ON goods_receipts (company_id, created_at, id)",
    "CREATE INDEX goods_receipts_order ON goods_receipts (order_id)",
    """
CREATE TABLE goods_receipt_lines (
    id UUID PRIMARY KEY,
    receipt_id UUID NOT NULL,
    company_id UUID NOT NULL,
    line_number INTEGER NOT NULL,
    order_line_id UUID NOT NULL REFERENCES purchase_order_lines(id),
    product_id UUID NOT NULL,
    warehouse_id UUID NOT NULL,
    quantity NUMERIC(19,4) NOT NULL CHECK (quantity > 0),
    unit_price NUMERIC(19,4) NOT NULL,
    unit_cost NUMERIC(19,4) NOT NULL,
    value NUMERIC(19,4) NOT NULL,
    billed_quantity NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (billed_quantity >= 0),
    billed_value NUMERIC(19,4) NOT NULL DEFAULT 0,
    UNIQUE (receipt_id, line_number),
    FOREIGN KEY (receipt_id, company_id) REFERENCES goods_receipts (id, company_id),
    FOREIGN KEY (product_id, company_id) REFERENCES products (id, company_id),
    FOREIGN KEY (warehouse_id, company_id) REFERENCES warehouses (id, company_id)
)""",
    """
CREATE TABLE bills (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL,
    supplier_id UUID NOT NULL,
    number VARCHAR(30),
    supplier_reference VARCHAR(100),
    bill_date DATE NOT NULL,
    due_date DATE NOT NULL CHECK (due_date >= bill_date),
    currency_code VARCHAR(3) NOT NULL,
    exchange_rate NUMERIC(19,10) CHECK (exchange_rate > 0),
    status VARCHAR(20) NOT NULL
        CHECK (status IN ('draft', 'posted', 'partially_paid', 'paid', 'void')),
    notes TEXT,
    subtotal NUMERIC(19,4) NOT NULL,
    tax_total NUMERIC(19,4) NOT NULL,
    total NUMERIC(19,4) NOT NULL,
    base_total NUMERIC(19,4),
    amount_paid NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (amount_paid >= 0),
    amount_credited NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (amount_credited >= 0),
    journal_entry_id UUID,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    posted_at TIMESTAMP WITH TIME ZONE,
    posted_by UUID,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, number),
    UNIQUE (id, company_id),
    CHECK (amount_paid + amount_credited <= total),
    -- a posted bill has its number and rate (a voided draft never had them)
    CHECK (status IN ('draft', 'void') OR (number IS NOT NULL AND exchange_rate IS NOT NULL)),
    FOREIGN KEY (supplier_id, company_id) REFERENCES suppliers (id, company_id)
)""",
    "CREATE INDEX bills_company ON bills (company_id, created_at, id)",
    "CREATE INDEX bills_supplier ON bills (supplier_id, status, due_date)",
    """
CREATE TABLE bill_lines (
    id UUID PRIMARY KEY,
    bill_id UUID NOT NULL,
    company_id UUID NOT NULL,
    line_number INTEGER NOT NULL,
    receipt_line_id UUID REFERENCES goods_receipt_lines(id),
    product_id UUID,
    account_id UUID,
    description TEXT,
    quantity NUMERIC(19,4) NOT NULL CHECK (quantity > 0),
    unit_price NUMERIC(19,4) NOT NULL CHECK (unit_price >= 0),
    amount NUMERIC(19,4) NOT NULL,
    tax_code VARCHAR(20),
    tax_rate NUMERIC(7,4) NOT NULL DEFAULT 0,
    tax_amount NUMERIC(19,4) NOT NULL DEFAULT 0,
    UNIQUE (bill_id, line_number),
    FOREIGN KEY (bill_id, company_id) REFERENCES bills (id, company_id),
    FOREIGN KEY (product_id, company_id) REFERENCES products (id, company_id),
    FOREIGN KEY (account_id, company_id) REFERENCES chart_of_accounts (id, company_id),
    CHECK (receipt_line_id IS NOT NULL OR account_id IS NOT NULL)
)""",
    "CREATE INDEX bill_lines_receipt_line ON bill_lines (receipt_line_id)"
    " WHERE receipt_line_id IS NOT NULL",
    """
CREATE TABLE supplier_payments (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL,
    supplier_id UUID NOT NULL,
    number VARCHAR(30) NOT NULL,
    payment_date DATE NOT NULL,
    currency_code VARCHAR(3) NOT NULL,
    exchange_rate NUMERIC(19,10) NOT NULL CHECK (exchange_rate > 0),
    amount NUMERIC(19,4) NOT NULL CHECK (amount > 0),
    bank_account_id UUID NOT NULL,
    reference VARCHAR(100),
    unallocated NUMERIC(19,4) NOT NULL CHECK (unallocated >= 0),
    realized_fx NUMERIC(19,4) NOT NULL DEFAULT 0,
    -- 'advance_applied': an advance paid earlier applied to a bill (no money moves now;
    -- bank_account_id is then the advances account it came out of)
    kind VARCHAR(20) NOT NULL DEFAULT 'payment' CHECK (kind IN ('payment', 'advance_applied')),
    journal_entry_id UUID,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    UNIQUE (company_id, number),
    UNIQUE (id, company_id),
    FOREIGN KEY (supplier_id, company_id) REFERENCES suppliers (id, company_id),
    FOREIGN KEY (bank_account_id, company_id) REFERENCES chart_of_accounts (id, company_id)
)""",
    "CREATE INDEX supplier_payments_company ON supplier_payments (company_id, created_at, id)",
    "CREATE INDEX supplier_payments_supplier ON supplier_payments (supplier_id, payment_date)",
    """
CREATE TABLE supplier_payment_allocations (
    payment_id UUID NOT NULL,
    bill_id UUID NOT NULL,
    company_id UUID NOT NULL,
    amount NUMERIC(19,4) NOT NULL CHECK (amount > 0),
    bill_rate NUMERIC(19,10) NOT NULL,
    base_cleared NUMERIC(19,4) NOT NULL,
    base_paid NUMERIC(19,4) NOT NULL,
    PRIMARY KEY (payment_id, bill_id),
    FOREIGN KEY (payment_id, company_id) REFERENCES supplier_payments (id, company_id),
    FOREIGN KEY (bill_id, company_id) REFERENCES bills (id, company_id)
)""",
    "CREATE INDEX supplier_payment_allocations_bill ON supplier_payment_allocations (bill_id)",
    """
CREATE TABLE supplier_credits (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL,
    supplier_id UUID NOT NULL,
    bill_id UUID NOT NULL,
    number VARCHAR(30) NOT NULL,
    credit_date DATE NOT NULL,
    currency_code VARCHAR(3) NOT NULL,
    exchange_rate NUMERIC(19,10) NOT NULL,
    reason TEXT,
    total NUMERIC(19,4) NOT NULL CHECK (total > 0),
    journal_entry_id UUID,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    UNIQUE (company_id, number),
    UNIQUE (id, company_id),
    FOREIGN KEY (bill_id, company_id) REFERENCES bills (id, company_id),
    FOREIGN KEY (supplier_id, company_id) REFERENCES suppliers (id, company_id)
)""",
    "CREATE INDEX supplier_credits_bill ON supplier_credits (bill_id)",
    "CREATE INDEX supplier_credits_supplier ON supplier_credits (supplier_id, credit_date)",
    """
CREATE TABLE supplier_credit_lines (
    id UUID PRIMARY KEY,
    credit_id UUID NOT NULL,
    company_id UUID NOT NULL,
    line_number INTEGER NOT NULL,
    bill_line_id UUID NOT NULL REFERENCES bill_lines(id),
    product_id UUID,
    quantity NUMERIC(19,4) NOT NULL CHECK (quantity > 0),
    unit_price NUMERIC(19,4) NOT NULL,
    amount NUMERIC(19,4) NOT NULL,
    tax_amount NUMERIC(19,4) NOT NULL,
    return_stock BOOLEAN NOT NULL DEFAULT FALSE,
    warehouse_id UUID,
    UNIQUE (credit_id, line_number),
    FOREIGN KEY (credit_id, company_id) REFERENCES supplier_credits (id, company_id)
)""",
    "CREATE INDEX supplier_credit_lines_bill_line ON supplier_credit_lines (bill_line_id)",
    """
CREATE TABLE purchasing_requests (
    company_id UUID NOT NULL REFERENCES companies(id),
    idempotency_key VARCHAR(200) NOT NULL,
    request_hash CHAR(64) NOT NULL,
    document_id UUID,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    PRIMARY KEY (company_id, idempotency_key)
)""",
]

DOWNGRADE = [
    "DROP TABLE IF EXISTS purchasing_requests, supplier_credit_lines, supplier_credits,"
    " supplier_payment_allocations, supplier_payments, bill_lines, bills, goods_receipt_lines,"
    " goods_receipts,"
    " purchase_order_lines, purchase_orders, purchasing_sequences, purchasing_settings,"
    " supplier_balances, suppliers",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
