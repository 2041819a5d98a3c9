from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    LargeBinary,
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
    Column("full_name", String(255)),
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
