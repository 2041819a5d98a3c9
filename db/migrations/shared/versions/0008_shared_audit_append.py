"""Audit append in one round trip: claim a lane, chain the row's hash, insert it (db/audit.py).

`audit_append` does in the database what the appender did in two round trips around its own
hash: `audit_claim_lane` (the lane's lock and last row), then the row's position in its lane and
its hash, then the insert. The caller sends the row's canonical content (domain/audit) cut in
two around the position, the one part it cannot know before the lane is claimed:
hash = sha256(previous hash || head || position || tail), hex; exactly the bytes
`content_hash` hashes, so verification (in Python, from the stored columns) is unchanged.
A command appends right before its commit, holding its company's entry-number row when it
posted: one round trip fewer in that queue.

Revision ID: 0008_shared_audit_append
Revises: 0007_shared_audit_lanes
Create Date: 2026-11-24
"""

from alembic import op

revision = "0008_shared_audit_append"
down_revision = "0007_shared_audit_lanes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION shared.audit_append(
            p_tenant uuid, p_key integer, p_class integer, p_lanes integer, p_span bigint,
            p_fallback integer, p_genesis varchar,
            p_occurred_at timestamptz, p_actor_user_id uuid, p_api_key_id uuid,
            p_operation varchar, p_outcome varchar, p_aggregate_type varchar,
            p_aggregate_id uuid, p_changes jsonb, p_ip_address varchar, p_user_agent varchar,
            p_request_id varchar, p_correlation_id varchar,
            p_head bytea, p_tail bytea
        ) RETURNS bigint
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            claimed record;
            lane_position bigint;
            v_prev varchar;
            stored_seq bigint;
        BEGIN
            SELECT * INTO claimed
              FROM shared.audit_claim_lane(p_tenant, p_key, p_class, p_lanes, p_span, p_fallback);
            lane_position := coalesce(claimed.last_seq - claimed.lane * p_span, 0) + 1;
            IF lane_position >= p_span THEN
                RAISE EXCEPTION 'audit lane % of tenant % is full', claimed.lane, p_tenant;
            END IF;
            v_prev := coalesce(claimed.last_hash, p_genesis);
            stored_seq := claimed.lane * p_span + lane_position;
            INSERT INTO shared.audit_log (tenant_id, seq, occurred_at, actor_user_id, api_key_id,
                operation, outcome, aggregate_type, aggregate_id, changes, ip_address,
                user_agent, request_id, correlation_id, prev_hash, hash)
            VALUES (p_tenant, stored_seq, p_occurred_at, p_actor_user_id, p_api_key_id,
                p_operation, p_outcome, p_aggregate_type, p_aggregate_id, p_changes,
                p_ip_address, p_user_agent, p_request_id, p_correlation_id, v_prev,
                encode(sha256(convert_to(v_prev, 'UTF8') || p_head
                              || convert_to(lane_position::text, 'UTF8') || p_tail), 'hex'));
            RETURN stored_seq;
        END $$
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION shared.audit_append(uuid, integer, integer, integer, bigint, integer,"
        " varchar, timestamptz, uuid, uuid, varchar, varchar, varchar, uuid, jsonb, varchar,"
        " varchar, varchar, varchar, bytea, bytea)"
    )
