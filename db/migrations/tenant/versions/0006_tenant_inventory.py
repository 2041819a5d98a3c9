"""Inventory: product categories, products, warehouses and locations, stock movements, FIFO
layers, stock levels and the per-day stock read model valuation "as of" reads.

- `stock_movements` is the only record of quantity change: signed quantity, signed value (the
  change in inventory value it caused, under the product's cost method), the journal entry that
  booked it, and a `seq` that orders movements of the same day.
- `stock_levels`: one row per product and warehouse, locked FOR UPDATE by every movement (in
  (product, warehouse) order) — the serialisation point that keeps quantities exact. It carries
  the running on-hand/value, the commitments other contexts make (reserved, incoming) and the
  moving-average state (deficit of negative stock, last unit cost).
- `stock_layers`: FIFO receipt layers still (partly) on hand, rebuilt when a back-dated movement
  re-values what follows.
- `stock_daily`: per product, warehouse and day, the quantity and value change — valuation as
  of any date sums these rows, never the movements.
- `stock_transfers`: a transfer's two legs, optionally with the goods in transit between them.

Revision ID: 0006_tenant_inventory
Revises: 0005_tenant_currency
Create Date: 2026-11-24
"""

from alembic import op

revision = "0006_tenant_inventory"
down_revision = "0005_tenant_currency"
branch_labels = None
depends_on = None

UPGRADE = [
    """
CREATE TABLE product_categories (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    name VARCHAR(100) NOT NULL,
    -- NULL: the company's account with the default code (1300, 5110, 5400, 2120)
    inventory_account_id UUID,
    cogs_account_id UUID,
    adjustment_account_id UUID,
    goods_received_account_id UUID,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    updated_by UUID NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, name),
    UNIQUE (id, company_id),
    FOREIGN KEY (inventory_account_id, company_id) REFERENCES chart_of_accounts (id, company_id),
    FOREIGN KEY (cogs_account_id, company_id) REFERENCES chart_of_accounts (id, company_id),
    FOREIGN KEY (adjustment_account_id, company_id)
        REFERENCES chart_of_accounts (id, company_id),
    FOREIGN KEY (goods_received_account_id, company_id)
        REFERENCES chart_of_accounts (id, company_id)
)""",
    """
CREATE TABLE products (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    sku VARCHAR(64) NOT NULL,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    category_id UUID,
    unit_of_measure VARCHAR(20) NOT NULL DEFAULT 'unit',
    barcode VARCHAR(64),
    is_stocked BOOLEAN NOT NULL DEFAULT TRUE,
    cost_method VARCHAR(20) NOT NULL DEFAULT 'FIFO'
        CHECK (cost_method IN ('FIFO', 'MOVING_AVERAGE')),
    selling_price NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (selling_price >= 0),
    reorder_point NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (reorder_point >= 0),
    reorder_quantity NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (reorder_quantity >= 0),
    lead_time_days INTEGER NOT NULL DEFAULT 0 CHECK (lead_time_days >= 0),
    allow_negative_stock BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    updated_by UUID NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, sku),
    UNIQUE (id, company_id),
    FOREIGN KEY (category_id, company_id) REFERENCES product_categories (id, company_id)
)""",
    "CREATE INDEX products_company_name ON products (company_id, lower(name))",
    "CREATE INDEX products_company_barcode ON products (company_id, barcode)"
    " WHERE barcode IS NOT NULL",
    """
CREATE TABLE warehouses (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    code VARCHAR(20) NOT NULL,
    name VARCHAR(255) NOT NULL,
    address TEXT,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    updated_by UUID NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, code),
    UNIQUE (id, company_id)
)""",
    """
CREATE TABLE warehouse_locations (
    id UUID PRIMARY KEY,
    warehouse_id UUID NOT NULL,
    company_id UUID NOT NULL,
    code VARCHAR(40) NOT NULL,
    name VARCHAR(255),
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    UNIQUE (warehouse_id, code),
    FOREIGN KEY (warehouse_id, company_id) REFERENCES warehouses (id, company_id)
)""",
    """
CREATE TABLE stock_levels (
    product_id UUID NOT NULL,
    warehouse_id UUID NOT NULL,
    company_id UUID NOT NULL,
    on_hand NUMERIC(19,4) NOT NULL DEFAULT 0,
    value NUMERIC(19,4) NOT NULL DEFAULT 0,
    reserved NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    incoming NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (incoming >= 0),
    -- moving-average / negative-stock state carried between movements
    last_unit_cost NUMERIC(19,4) NOT NULL DEFAULT 0,
    last_movement_on DATE,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    PRIMARY KEY (product_id, warehouse_id),
    FOREIGN KEY (product_id, company_id) REFERENCES products (id, company_id),
    FOREIGN KEY (warehouse_id, company_id) REFERENCES warehouses (id, company_id)
)""",
    "CREATE INDEX stock_levels_company ON stock_levels (company_id, product_id, warehouse_id)",
    "CREATE INDEX stock_levels_warehouse ON stock_levels (warehouse_id)",
    """
CREATE TABLE stock_transfers (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    product_id UUID NOT NULL,
    from_warehouse_id UUID NOT NULL,
    to_warehouse_id UUID NOT NULL,
    quantity NUMERIC(19,4) NOT NULL CHECK (quantity > 0),
    value NUMERIC(19,4) NOT NULL DEFAULT 0,
    status VARCHAR(12) NOT NULL CHECK (status IN ('IN_TRANSIT', 'RECEIVED')),
    shipped_on DATE NOT NULL,
    received_on DATE,
    reason TEXT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    FOREIGN KEY (product_id, company_id) REFERENCES products (id, company_id),
    FOREIGN KEY (from_warehouse_id, company_id) REFERENCES warehouses (id, company_id),
    FOREIGN KEY (to_warehouse_id, company_id) REFERENCES warehouses (id, company_id),
    CHECK (from_warehouse_id <> to_warehouse_id),
    CHECK ((status = 'RECEIVED') = (received_on IS NOT NULL))
)""",
    "CREATE INDEX stock_transfers_company ON stock_transfers (company_id, status, shipped_on)",
    """
CREATE TABLE stock_movements (
    id UUID PRIMARY KEY,
    seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    company_id UUID NOT NULL,
    product_id UUID NOT NULL,
    warehouse_id UUID NOT NULL,
    location_id UUID REFERENCES warehouse_locations(id),
    movement_type VARCHAR(20) NOT NULL CHECK (movement_type IN
        ('RECEIPT', 'ISSUE', 'ADJUSTMENT', 'TRANSFER_OUT', 'TRANSFER_IN')),
    occurred_on DATE NOT NULL,
    quantity NUMERIC(19,4) NOT NULL CHECK (quantity <> 0),
    -- inbound: what the goods cost (booked against the counter account); outbound: NULL
    nominal_value NUMERIC(19,4),
    -- the change in inventory value (signed), under the product's cost method
    value NUMERIC(19,4) NOT NULL DEFAULT 0,
    reason TEXT NOT NULL,
    reference_type VARCHAR(40) NOT NULL,
    reference_id UUID NOT NULL,
    transfer_id UUID REFERENCES stock_transfers(id),
    inventory_account_id UUID,
    counter_account_id UUID,
    transaction_id UUID REFERENCES transactions(id),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_by UUID NOT NULL,
    FOREIGN KEY (product_id, company_id) REFERENCES products (id, company_id),
    FOREIGN KEY (warehouse_id, company_id) REFERENCES warehouses (id, company_id)
)""",
    "CREATE INDEX stock_movements_history"
    " ON stock_movements (product_id, warehouse_id, occurred_on, seq)",
    "CREATE INDEX stock_movements_company ON stock_movements (company_id, occurred_on, seq)",
    "CREATE INDEX stock_movements_reference ON stock_movements (reference_type, reference_id)",
    """
CREATE TABLE stock_layers (
    product_id UUID NOT NULL,
    warehouse_id UUID NOT NULL,
    movement_id UUID NOT NULL REFERENCES stock_movements(id),
    seq BIGINT NOT NULL,
    received_on DATE NOT NULL,
    -- a negative layer is stock issued before it was received (allowed negative stock)
    quantity NUMERIC(19,4) NOT NULL CHECK (quantity <> 0),
    value NUMERIC(19,4) NOT NULL,
    PRIMARY KEY (product_id, warehouse_id, seq),
    FOREIGN KEY (product_id, warehouse_id) REFERENCES stock_levels (product_id, warehouse_id)
)""",
    """
CREATE TABLE stock_daily (
    product_id UUID NOT NULL,
    warehouse_id UUID NOT NULL,
    day DATE NOT NULL,
    company_id UUID NOT NULL,
    quantity NUMERIC(19,4) NOT NULL DEFAULT 0,
    value NUMERIC(19,4) NOT NULL DEFAULT 0,
    issued NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (issued >= 0),
    PRIMARY KEY (product_id, warehouse_id, day),
    FOREIGN KEY (product_id, warehouse_id) REFERENCES stock_levels (product_id, warehouse_id)
)""",
    "CREATE INDEX stock_daily_company ON stock_daily (company_id, day)",
]

DOWNGRADE = [
    "DROP TABLE IF EXISTS stock_daily, stock_layers, stock_movements, stock_transfers,"
    " stock_levels, warehouse_locations, warehouses, products, product_categories",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
