"""Schema-per-tenant: create the database, migrate everything, provision a tenant at head."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.access import prepare_tenant_access
from db.crypto import USER_FULL_NAME, FieldCipher
from db.engine import plain_url
from db.migrations import runner
from db.tables.shared import subscriptions, tenants, users
from db.tables.tenant import roles, user_roles
from domain.identity.model import TENANT_SLUG_PATTERN
from domain.shared.errors import DomainError, ErrorCode, ValidationErrors

# One migrator at a time across processes (make run and a test run may start together).
_MIGRATION_LOCK = 7_318_041_221


def schema_for(slug: str) -> str:
    return f"tenant_{slug}"


async def ensure_database(url: str) -> None:
    """Create the URL's database if it does not exist (connecting to `postgres` to do it)."""
    from sqlalchemy.engine import make_url

    target = make_url(url)
    name = target.database or "postgres"
    admin = plain_url(target.set(database="postgres").render_as_string(hide_password=False))
    conn = await asyncpg.connect(admin)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise ValueError(f"refusing to create database with name {name!r}")
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):  # created concurrently
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _lock(conn: AsyncConnection) -> None:
    await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})


async def migrate_shared(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await _lock(conn)
        await conn.run_sync(runner.upgrade_shared)


Progress = Callable[[int, int, str], None]


async def migrate_tenants(engine: AsyncEngine, progress: Progress | None = None) -> int:
    """Bring every tenant schema to head, each in its own transaction. Returns how many."""
    async with engine.connect() as conn:
        schemas = list(
            (await conn.execute(select(tenants.c.schema_name).order_by(tenants.c.slug))).scalars()
        )
    for index, schema in enumerate(schemas, start=1):
        async with engine.begin() as conn:
            await _lock(conn)
            await conn.run_sync(runner.upgrade_tenant, schema)
        if progress:
            progress(index, len(schemas), schema)
    return len(schemas)


async def migrate_all(engine: AsyncEngine, progress: Progress | None = None) -> int:
    await migrate_shared(engine)
    return await migrate_tenants(engine, progress)


@dataclass(frozen=True)
class ProvisionedTenant:
    tenant_id: uuid.UUID
    slug: str
    schema: str
    admin_user_id: uuid.UUID


async def provision_tenant(
    engine: AsyncEngine,
    *,
    slug: str,
    name: str,
    admin_email: str,
    admin_password_hash: str,
    plan: str = "professional",
    timezone: str = "UTC",
    currency_code: str = "USD",
    cipher: FieldCipher | None = None,
) -> ProvisionedTenant:
    """Create the tenant row, its schema at head and its first admin — all or nothing."""
    errors = ValidationErrors()
    if not re.fullmatch(TENANT_SLUG_PATTERN, slug):
        errors.add("slug", "Slug must be 2-40 characters: a lowercase letter, then a-z, 0-9 or _.")
    if not name.strip():
        errors.add("name", "Name is required.", ErrorCode.REQUIRED)
    if "@" not in admin_email:
        errors.add("adminEmail", "Not an email address.")
    errors.raise_if_any()

    tenant_id, user_id, schema = uuid.uuid4(), uuid.uuid4(), schema_for(slug)
    admin_name = (
        USER_FULL_NAME.seal(cipher, "Administrator", tenant=tenant_id, row_id=user_id)
        if cipher is not None
        else {"full_name": "Administrator"}  # without keys: a placeholder, not personal data
    )
    try:
        async with engine.begin() as conn:
            await _lock(conn)
            await conn.execute(
                insert(tenants).values(
                    id=tenant_id,
                    slug=slug,
                    name=name.strip(),
                    schema_name=schema,
                    plan=plan,
                    timezone=timezone,
                    currency_code=currency_code,
                )
            )
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            await conn.run_sync(runner.upgrade_tenant, schema)
            await conn.execute(
                insert(users).values(
                    id=user_id,
                    tenant_id=tenant_id,
                    email=admin_email.strip().lower(),
                    **admin_name,
                    password_hash=admin_password_hash,
                )
            )
            await conn.execute(
                insert(subscriptions).values(id=uuid.uuid4(), tenant_id=tenant_id, plan=plan)
            )
            await prepare_tenant_access(conn, schema, tenant_id)  # the admin becomes owner
    except IntegrityError as exc:
        if "tenants_slug_key" in str(exc.orig) or "schema_name" in str(exc.orig):
            raise DomainError.single(
                ErrorCode.DUPLICATE, f"A tenant with slug '{slug}' already exists.", "slug"
            ) from None
        raise
    return ProvisionedTenant(tenant_id, slug, schema, user_id)


async def create_user(
    engine: AsyncEngine,
    *,
    tenant_slug: str,
    email: str,
    password_hash: str,
    full_name: str | None = None,
    cipher: FieldCipher,
    role: str = "viewer",
) -> uuid.UUID:
    """A user with one tenant-wide role (by name: a built-in one or the tenant's own)."""
    user_id = uuid.uuid4()
    async with engine.begin() as conn:
        tenant = (
            await conn.execute(
                select(tenants.c.id, tenants.c.schema_name).where(tenants.c.slug == tenant_slug)
            )
        ).first()
        if tenant is None:
            raise DomainError.single(ErrorCode.NOT_FOUND, f"No tenant '{tenant_slug}'.", "tenant")
        tenant_id = tenant.id
        await conn.execution_options(schema_translate_map={"tenant": tenant.schema_name})
        role_id = (
            await conn.execute(select(roles.c.id).where(roles.c.name == role))
        ).scalar_one_or_none()
        if role_id is None:
            raise DomainError.single(ErrorCode.NOT_FOUND, f"No role '{role}'.", "role")
        try:
            await conn.execute(
                insert(users).values(
                    id=user_id,
                    tenant_id=tenant_id,
                    email=email.strip().lower(),
                    **USER_FULL_NAME.seal(cipher, full_name, tenant=tenant_id, row_id=user_id),
                    password_hash=password_hash,
                )
            )
        except IntegrityError:
            raise DomainError.single(
                ErrorCode.DUPLICATE, f"{email} already exists in '{tenant_slug}'.", "email"
            ) from None
        await conn.execute(insert(user_roles).values(user_id=user_id, role_id=role_id))
    return user_id
