"""An outbox row is done when its handlers have handled it, not when it was handed to Celery.

`handled_at`: set once every handler registered for the event type has a `processed_events`
row (or at dispatch, for a type without handlers). The relay re-dispatches rows dispatched but
not handled after a timeout (`redispatches` counts it), so a task lost with its worker or its
broker is sent again. A partial index keeps that sweep to the unhandled rows.

Existing rows: those of a type that had no handler when this migration was written are
settled here; the others stay unhandled, so the sweep checks them against `processed_events`
and re-dispatches any event lost before this change.

Revision ID: 0015_tenant_event_handling
Revises: 0010_tenant_outbox_wakeup
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_tenant_event_handling"
down_revision = "0010_tenant_outbox_wakeup"
branch_labels = None
depends_on = None

# The event types with handlers on the day of this migration (workers/handlers), as a snapshot.
HANDLED_TYPES = (
    "CompanyCreated",
    "CreditNoteIssued",
    "DebitNoteIssued",
    "InvoiceCreated",
    "InvoicePosted",
    "InvoiceVoided",
    "PaymentAllocated",
    "PaymentReceived",
    "PaymentRefunded",
)


def upgrade() -> None:
    op.add_column("outbox", sa.Column("handled_at", sa.DateTime(timezone=True)))
    op.add_column(
        "outbox", sa.Column("redispatches", sa.Integer, nullable=False, server_default="0")
    )
    op.execute(
        sa.text(
            "UPDATE outbox SET handled_at = dispatched_at"
            " WHERE dispatched_at IS NOT NULL AND NOT (event_type = ANY(:types))"
        ).bindparams(types=list(HANDLED_TYPES))
    )
    op.create_index(
        "outbox_unhandled", "outbox", ["id"], postgresql_where=sa.text("handled_at IS NULL")
    )


def downgrade() -> None:
    op.drop_index("outbox_unhandled", table_name="outbox")
    op.drop_column("outbox", "redispatches")
    op.drop_column("outbox", "handled_at")
