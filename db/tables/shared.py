from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from db.tables import SHARED_SCHEMA, metadata

tenants = Table(
    "tenants",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("slug", String(40), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("schema_name", String(63), nullable=False, unique=True),
    Column("status", String(20), nullable=False, server_default="active"),
    Column("plan", String(40), nullable=False, server_default="professional"),
    Column("timezone", String(100), nullable=False, server_default="UTC"),
    Column("locale", String(20), nullable=False, server_default="en"),
    Column("currency_code", String(3), nullable=False, server_default="USD"),
    # {"api_keys": false, ...} and {"maxCompanies": 10, ...} over the plan's (domain/identity/plans)
    Column("feature_overrides", JSONB, nullable=False, server_default="{}"),
    Column("limit_overrides", JSONB, nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=SHARED_SCHEMA,
)

users = Table(
    "users",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey(tenants.c.id), nullable=False),
    Column("email", String(320), nullable=False),  # stored lower-cased; unique per tenant
    Column("full_name", Text),  # personal data: encrypted (db/crypto.py)
    Column("password_hash", Text),  # null until an invited user accepts
    Column("invitation_hash", LargeBinary),
    Column("invitation_expires_at", DateTime(timezone=True)),
    Column("invited_by", UUID(as_uuid=True)),
    Column("is_active", Boolean, nullable=False, server_default="true"),
    Column("last_login_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=SHARED_SCHEMA,
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("family_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("user_id", UUID(as_uuid=True), ForeignKey(users.c.id), nullable=False),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey(tenants.c.id), nullable=False),
    Column("secret_hash", LargeBinary, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=SHARED_SCHEMA,
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey(tenants.c.id), nullable=False),
    Column("name", String(100), nullable=False),
    Column("prefix", String(20), nullable=False),  # shown to tell keys apart; not a secret
    Column("secret_hash", LargeBinary, nullable=False, unique=True),  # SHA-256 of the token
    Column("permissions", JSONB, nullable=False, server_default="[]"),
    Column("created_by", UUID(as_uuid=True), ForeignKey(users.c.id), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    schema=SHARED_SCHEMA,
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey(tenants.c.id), nullable=False),
    Column("plan", String(40), nullable=False),
    Column("status", String(20), nullable=False, server_default="active"),
    Column("starts_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("ends_at", DateTime(timezone=True)),
    schema=SHARED_SCHEMA,
)

system_config = Table(
    "system_config",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=SHARED_SCHEMA,
)

# Append-only and hash-chained per tenant (see domain/audit/model.py); 16 hash partitions by
# tenant (migration 0003_shared_audit). UPDATE, DELETE and TRUNCATE are refused by triggers.
audit_log = Table(
    "audit_log",
    metadata,
    Column("tenant_id", UUID(as_uuid=True), primary_key=True),
    Column("seq", BigInteger, primary_key=True),  # per tenant, gapless from 1
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("actor_user_id", UUID(as_uuid=True)),
    Column("api_key_id", UUID(as_uuid=True)),
    Column("operation", String(100), nullable=False),
    Column("outcome", String(60), nullable=False),  # "ok" or the refusing error code
    Column("aggregate_type", String(100)),
    Column("aggregate_id", UUID(as_uuid=True)),
    Column("changes", JSONB),  # {field: {"before": x, "after": y}}
    Column("ip_address", String(64)),
    Column("user_agent", String(512)),
    Column("request_id", String(128)),
    Column("correlation_id", String(128)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # 1: SHA-256 (rows from before the chain was keyed), 2: keyed HMAC (domain/audit).
    Column("chain_version", SmallInteger, nullable=False, server_default="1"),
    schema=SHARED_SCHEMA,
    postgresql_partition_by="HASH (tenant_id)",
)


# Signed checkpoints of each tenant's audit lanes (db/audit_checkpoints.py); append-only.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("tenant_id", UUID(as_uuid=True), primary_key=True),
    Column("id", BigInteger, Identity(always=True), primary_key=True),  # newest is highest
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("lanes", JSONB, nullable=False),  # [{"lane", "seq", "hash"}] as signed
    Column("token", Text, nullable=False),  # the compact JWS
    schema=SHARED_SCHEMA,
)
