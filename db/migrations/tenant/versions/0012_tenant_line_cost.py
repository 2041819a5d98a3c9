"""A sales document line knows the stock movement that moved its goods, and shows its cost.

A back-dated movement re-values the later ones and re-books their COGS, but the invoice lines
kept the cost they had when they were posted. `sales_document_lines.stock_movement_id` names
the movement (an invoice's or a delivery's issue, a credit note's return; an invoice billing a
delivery names the delivery's), and the stock repository re-values the movement and the lines
showing its cost in one statement (db/repositories/inventory.py `set_values`).

Existing lines: the n-th line of a document for a product and warehouse took the n-th movement
the document made for them (lines move in line order, one movement each); an invoice billing a
delivery shares its source line's movement. Then every linked issue's line takes the cost the
movement — and so the ledger — carries now.

Revision ID: 0012_tenant_line_cost
Revises: 0007_tenant_sales
Create Date: 2026-12-01
"""

from alembic import op

revision = "0012_tenant_line_cost"
down_revision = "0007_tenant_sales"
branch_labels = None
depends_on = None

LINK_MOVED_LINES = """
WITH moving AS (
    SELECT l.document_id, l.line_number, d.kind, l.product_id, l.warehouse_id,
           row_number() OVER (PARTITION BY l.document_id, l.product_id, l.warehouse_id
                              ORDER BY l.line_number) AS n
    FROM sales_document_lines l JOIN sales_documents d ON d.id = l.document_id
    WHERE d.kind IN ('invoice', 'delivery', 'credit_note')
      AND l.product_id IS NOT NULL AND l.warehouse_id IS NOT NULL
), moves AS (
    SELECT id, reference_type, reference_id, product_id, warehouse_id,
           row_number() OVER (PARTITION BY reference_type, reference_id, product_id, warehouse_id
                              ORDER BY seq) AS n
    FROM stock_movements
    WHERE (reference_type IN ('invoice', 'delivery') AND quantity < 0)
       OR (reference_type = 'credit_note' AND quantity > 0)
)
UPDATE sales_document_lines t SET stock_movement_id = m.id
FROM moving l JOIN moves m
  ON m.reference_type = l.kind AND m.reference_id = l.document_id
 AND m.product_id = l.product_id AND m.warehouse_id = l.warehouse_id AND m.n = l.n
WHERE t.document_id = l.document_id AND t.line_number = l.line_number
"""

LINK_BILLED_DELIVERIES = """
UPDATE sales_document_lines t SET stock_movement_id = s.stock_movement_id
FROM sales_documents d
JOIN sales_documents delivery ON delivery.id = d.source_id AND delivery.kind = 'delivery'
JOIN sales_document_lines s ON s.document_id = delivery.id
WHERE t.document_id = d.id AND d.kind = 'invoice' AND s.line_number = t.source_line_number
  AND t.stock_movement_id IS NULL AND s.stock_movement_id IS NOT NULL
"""

FOLLOW_REVALUED_ISSUES = """
UPDATE sales_document_lines l SET cost_amount = -m.value
FROM stock_movements m
WHERE m.id = l.stock_movement_id AND m.quantity < 0 AND l.cost_amount <> -m.value
"""


def upgrade() -> None:
    op.execute(
        "ALTER TABLE sales_document_lines ADD COLUMN stock_movement_id UUID"
        " REFERENCES stock_movements(id)"
    )
    # A re-valuation finds the lines of its movements by this.
    op.execute(
        "CREATE INDEX sales_document_lines_movement ON sales_document_lines (stock_movement_id)"
        " WHERE stock_movement_id IS NOT NULL"
    )
    op.execute(LINK_MOVED_LINES)
    op.execute(LINK_BILLED_DELIVERIES)
    op.execute(FOLLOW_REVALUED_ISSUES)


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS sales_document_lines_movement")
    op.execute("ALTER TABLE sales_document_lines DROP COLUMN IF EXISTS stock_movement_id")
