"""Tables inside each tenant's own schema (declared in the `tenant` placeholder schema)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from db.tables import TENANT_SCHEMA_PLACEHOLDER, metadata

# Exactly the spec's DDL (audit fields and optimistic-concurrency `version`).
companies = Table(
    "companies",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=func.gen_random_uuid()),
    Column("name", String(255), nullable=False),
    Column("registration_number", String(100)),
    Column("tax_number", Text),  # encrypted (db/crypto.py); plaintext at most 100 chars
    Column("tax_number_index", LargeBinary),  # blind index (HMAC) for exact-match lookup
    Column("currency_code", String(3), nullable=False, server_default="USD"),
    Column("timezone", String(100), nullable=False, server_default="UTC"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", UUID(as_uuid=True), nullable=False),
    Column("updated_by", UUID(as_uuid=True), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

# Transactional outbox: written in the same transaction as the state it describes.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("event_type", String(100), nullable=False),
    Column("aggregate_type", String(100), nullable=False),
    Column("aggregate_id", UUID(as_uuid=True), nullable=False),
    Column("envelope", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True)),  # sent to Redis pub/sub
    Column("dispatched_at", DateTime(timezone=True)),  # handed to Celery handlers
    # Every handler of its type recorded it in processed_events (migration 0015).
    Column("handled_at", DateTime(timezone=True)),
    Column("redispatches", Integer, nullable=False, server_default="0"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

# Idempotency of event handlers: a handler's effect and this row commit together.
processed_events = Table(
    "processed_events",
    metadata,
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("handler", String(100), primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

# A projection maintained by event handlers (e.g. how many companies the tenant has).
usage_counters = Table(
    "usage_counters",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", BigInteger, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

# Postings per month, in a few shard rows so concurrent postings rarely share one
# (db/tenant_plans.py counts them against the plan's maxTransactions).
posting_counters = Table(
    "posting_counters",
    metadata,
    Column("month", Date, primary_key=True),
    Column("shard", SmallInteger, primary_key=True),
    Column("posted", BigInteger, nullable=False, server_default="0"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

roles = Table(
    "roles",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("permissions", JSONB, nullable=False, server_default="[]"),
    Column("inherits", ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"),
    Column("builtin", Boolean, nullable=False, server_default="false"),
    Column("all_companies", Boolean, nullable=False, server_default="false"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("version", Integer, nullable=False, server_default="1"),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

user_roles = Table(
    "user_roles",
    metadata,
    Column("user_id", UUID(as_uuid=True), primary_key=True),
    Column("role_id", UUID(as_uuid=True), ForeignKey(roles.c.id), primary_key=True),
    Column("granted_by", UUID(as_uuid=True)),
    Column("granted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)

company_access = Table(
    "company_access",
    metadata,
    Column("user_id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), ForeignKey(companies.c.id), primary_key=True),
    Column("role_ids", ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"),
    Column("permissions", JSONB, nullable=False, server_default="[]"),
    Column("granted_by", UUID(as_uuid=True)),
    Column("granted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema=TENANT_SCHEMA_PLACEHOLDER,
)
