"""Audit log lanes: each tenant's log is a fixed number of hash chains (db/audit.py).

A command appends to the first lane nobody else of its tenant holds; `audit_claim_lane` takes
that lane's lock and returns the lane's last row in one round trip. The lookup runs as its own
statement inside the function, after the lock is granted, so under READ COMMITTED it sees the
row the previous holder of the lane committed. No table change: lane L keeps its rows at
seq L * span + 1, L * span + 2, ... (lane 0 is where every existing row already is).

Revision ID: 0007_shared_audit_lanes
Revises: 0006_shared_encryption
Create Date: 2026-11-24
"""

from alembic import op

revision = "0007_shared_audit_lanes"
down_revision = "0006_shared_encryption"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION shared.audit_claim_lane(
            p_tenant uuid, p_key integer, p_class integer, p_lanes integer, p_span bigint,
            p_fallback integer
        ) RETURNS TABLE (lane integer, last_seq bigint, last_hash varchar)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            chosen integer := NULL;
        BEGIN
            FOR l IN 0 .. p_lanes - 1 LOOP
                IF pg_try_advisory_xact_lock(p_class + l, p_key) THEN
                    chosen := l;
                    EXIT;
                END IF;
            END LOOP;
            IF chosen IS NULL THEN  -- every lane is busy: queue for one
                chosen := p_fallback;
                PERFORM pg_advisory_xact_lock(p_class + chosen, p_key);
            END IF;
            RETURN QUERY
                SELECT chosen, a.seq, a.hash FROM shared.audit_log a
                 WHERE a.tenant_id = p_tenant
                   AND a.seq > chosen * p_span AND a.seq < (chosen + 1) * p_span
                 ORDER BY a.seq DESC LIMIT 1;
            IF NOT FOUND THEN
                RETURN QUERY SELECT chosen, NULL::bigint, NULL::varchar;
            END IF;
        END $$
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION shared.audit_claim_lane(uuid, integer, integer, integer, bigint, integer)"
    )
