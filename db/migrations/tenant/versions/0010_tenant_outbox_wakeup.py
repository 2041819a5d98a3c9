"""The outbox no longer NOTIFYs on every insert: writers wake the relays themselves.

PostgreSQL makes every committing transaction that issued NOTIFY queue for one lock of the whole
database, so a trigger notifying on each outbox insert serialised the commit of every command
of every tenant. An API process now wakes its own relay after the commit, and other writers
(imports, scripts) notify explicitly, once per transaction (db/outbox.py `notify_relays`).

Revision ID: 0010_tenant_outbox_wakeup
Revises: 0001_tenant
Create Date: 2026-11-24
"""

from alembic import op

revision = "0010_tenant_outbox_wakeup"
down_revision = "0001_tenant"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")


def downgrade() -> None:
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION shared.notify_outbox()"
    )
