"""Audit log: append-only, hash-chained per tenant, 16 hash partitions by tenant.

Revision ID: 0003_shared_audit
Revises: 0001_shared
Create Date: 2026-11-24
"""

from alembic import op

revision = "0003_shared_audit"
down_revision = "0001_shared"
branch_labels = None
depends_on = None

PARTITIONS = 16
PARTITION_NAMES = [f"shared.audit_log_p{i:02d}" for i in range(PARTITIONS)]
TABLES = ["shared.audit_log", *PARTITION_NAMES]


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE shared.audit_log (
            tenant_id      uuid         NOT NULL,
            seq            bigint       NOT NULL CHECK (seq > 0),
            occurred_at    timestamptz  NOT NULL,
            actor_user_id  uuid,
            api_key_id     uuid,
            operation      varchar(100) NOT NULL,
            outcome        varchar(60)  NOT NULL,
            aggregate_type varchar(100),
            aggregate_id   uuid,
            changes        jsonb,
            ip_address     varchar(64),
            user_agent     varchar(512),
            request_id     varchar(128),
            correlation_id varchar(128),
            prev_hash      varchar(64)  NOT NULL,
            hash           varchar(64)  NOT NULL,
            CONSTRAINT audit_log_pkey PRIMARY KEY (tenant_id, seq)
        ) PARTITION BY HASH (tenant_id)
        """
    )
    for i, name in enumerate(PARTITION_NAMES):
        op.execute(
            f"CREATE TABLE {name} PARTITION OF shared.audit_log "
            f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {i})"
        )
    # Filters of the admin's audit query; all lead with the tenant (every query names it).
    op.execute("CREATE INDEX audit_log_time ON shared.audit_log (tenant_id, occurred_at)")
    op.execute("CREATE INDEX audit_log_actor ON shared.audit_log (tenant_id, actor_user_id, seq)")
    op.execute(
        "CREATE INDEX audit_log_aggregate ON shared.audit_log (tenant_id, aggregate_id, seq) "
        "WHERE aggregate_id IS NOT NULL"
    )

    # Append-only, enforced by the database itself. Privileges are not checked for a
    # superuser (the embedded setup connects as one), triggers are: they refuse UPDATE, DELETE
    # and TRUNCATE whoever asks. Row triggers on the parent are cloned onto every partition
    # (also ones attached later); statement triggers are not, so each partition gets its own,
    # which also refuses statements that would touch no row.
    op.execute(
        """
        CREATE FUNCTION shared.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only_row BEFORE UPDATE OR DELETE ON shared.audit_log "
        "FOR EACH ROW EXECUTE FUNCTION shared.audit_log_append_only()"
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER audit_log_append_only_stmt BEFORE UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION shared.audit_log_append_only()"
        )
        # Without these privileges even the owning role (the application's, in a services
        # setup) is refused before the trigger is reached.
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC")
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM CURRENT_USER")


def downgrade() -> None:
    op.execute("DROP TABLE shared.audit_log")
    op.execute("DROP FUNCTION shared.audit_log_append_only()")
