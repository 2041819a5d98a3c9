"""Keyed audit chain: a chain version per row, and an append that computes the keyed hash.

Rows written so far keep chain version 1 (SHA-256, anyone can recompute it); new rows are
version 2, hashed with HMAC-SHA256 under a per-row key (domain/audit). The database has no HMAC
without an extension, so the caller sends the row key already XORed with HMAC's two pads and
the hash is sha256(opad_key || sha256(ipad_key || message)) — HMAC by its definition. The
chain key itself never reaches PostgreSQL; only per-row keys pass through, as parameters,
never stored. Keyed content carries the stored seq (it names the lane), not the position.

`audit_append` (0008) stays for an application of the previous version still running during a
deploy; its version-1 rows after keyed ones are refused by verification.

Revision ID: 0009_shared_audit_keyed
Revises: 0008_shared_audit_append
Create Date: 2026-11-25
"""

from alembic import op

revision = "0009_shared_audit_keyed"
down_revision = "0008_shared_audit_append"
branch_labels = None
depends_on = ("0003_shared_audit",)  # the table it alters


def upgrade() -> None:
    # A constant default: no table rewrite, existing rows read as version 1.
    op.execute("ALTER TABLE shared.audit_log ADD COLUMN chain_version smallint NOT NULL DEFAULT 1")
    op.execute(
        """
        CREATE FUNCTION shared.audit_append_keyed(
            p_tenant uuid, p_key integer, p_class integer, p_lanes integer, p_span bigint,
            p_fallback integer, p_genesis varchar,
            p_occurred_at timestamptz, p_actor_user_id uuid, p_api_key_id uuid,
            p_operation varchar, p_outcome varchar, p_aggregate_type varchar,
            p_aggregate_id uuid, p_changes jsonb, p_ip_address varchar, p_user_agent varchar,
            p_request_id varchar, p_correlation_id varchar,
            p_head bytea, p_tail bytea, p_pads bytea
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
                user_agent, request_id, correlation_id, prev_hash, hash, chain_version)
            VALUES (p_tenant, stored_seq, p_occurred_at, p_actor_user_id, p_api_key_id,
                p_operation, p_outcome, p_aggregate_type, p_aggregate_id, p_changes,
                p_ip_address, p_user_agent, p_request_id, p_correlation_id, v_prev,
                encode(sha256(substring(p_pads FROM 65 FOR 64) || sha256(
                    substring(p_pads FROM 1 FOR 64) || convert_to(v_prev, 'UTF8') || p_head
                    || convert_to(stored_seq::text, 'UTF8') || p_tail)), 'hex'),
                2);
            RETURN stored_seq;
        END $$
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION shared.audit_append_keyed(uuid, integer, integer, integer, bigint,"
        " integer, varchar, timestamptz, uuid, uuid, varchar, varchar, varchar, uuid, jsonb,"
        " varchar, varchar, varchar, varchar, bytea, bytea, bytea)"
    )
    op.execute("ALTER TABLE shared.audit_log DROP COLUMN chain_version")
