"""Schema-per-tenant: provisioning at head, migrating many, isolation by schema."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import TenantEngines
from db.migrations import runner
from db.tables import TENANT_SCHEMA_PLACEHOLDER, metadata
from db.tables.tenant import companies
from db.tenancy import migrate_all, provision_tenant
from domain.shared.errors import DomainError

# Every table the code declares for a tenant, and Alembic's bookkeeping.
TENANT_TABLES = {
    t.name for t in metadata.tables.values() if t.schema == TENANT_SCHEMA_PLACEHOLDER
} | {"alembic_version"}


async def tables_in(engine: AsyncEngine, schema: str) -> set[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(  # partitions are storage, not tables of their own
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = :s AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
            ),
            {"s": schema},
        )
        return set(rows.scalars())


async def provision(engine: AsyncEngine, slug: str | None = None):  # type: ignore[no-untyped-def]
    return await provision_tenant(
        engine,
        slug=slug or f"p_{uuid.uuid4().hex[:10]}",
        name="Provisioned",
        admin_email="Admin@Example.COM",
        admin_password_hash="x",
    )


async def test_new_tenants_get_their_own_schema_at_head(engine: AsyncEngine) -> None:
    made = [await provision(engine) for _ in range(3)]
    assert len({t.schema for t in made}) == 3
    for tenant in made:
        assert await tables_in(engine, tenant.schema) == TENANT_TABLES
        async with engine.connect() as conn:
            revisions = await conn.run_sync(runner.tenant_revisions, tenant.schema)
            email = (
                await conn.execute(
                    text("SELECT email FROM shared.users WHERE id = :id"),
                    {"id": tenant.admin_user_id},
                )
            ).scalar_one()
        assert revisions == runner.heads("tenant")
        assert email == "admin@example.com"


async def test_migrate_all_reports_progress_for_every_tenant(engine: AsyncEngine) -> None:
    await provision(engine)
    seen: list[tuple[int, int, str]] = []
    count = await migrate_all(engine, lambda i, n, schema: seen.append((i, n, schema)))
    async with engine.connect() as conn:
        total = (await conn.execute(text("SELECT count(*) FROM shared.tenants"))).scalar_one()
    assert count == total == len(seen)
    assert [i for i, _, _ in seen] == list(range(1, total + 1))


async def test_duplicate_slug_is_refused_and_changes_nothing(engine: AsyncEngine) -> None:
    tenant = await provision(engine)
    with pytest.raises(DomainError) as refused:
        await provision(engine, tenant.slug)
    assert refused.value.errors[0].code.value == "DUPLICATE"
    async with engine.connect() as conn:
        count = (
            await conn.execute(
                text("SELECT count(*) FROM shared.tenants WHERE slug = :s"), {"s": tenant.slug}
            )
        ).scalar_one()
    assert count == 1


@pytest.mark.parametrize("slug", ["A", "1abc", "has-dash", "x" * 41, "drop table;"])
async def test_bad_slugs_are_refused(engine: AsyncEngine, slug: str) -> None:
    with pytest.raises(DomainError) as refused:
        await provision(engine, slug)
    assert refused.value.errors[0].field == "slug"


async def test_provisioning_is_all_or_nothing(engine: AsyncEngine) -> None:
    """If any step fails (here: the schema already exists), no tenant row or user remains."""
    slug = f"clash_{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "tenant_{slug}"'))
    with pytest.raises(ProgrammingError):
        await provision(engine, slug)
    async with engine.connect() as conn:
        count = (
            await conn.execute(
                text("SELECT count(*) FROM shared.tenants WHERE slug = :s"), {"s": slug}
            )
        ).scalar_one()
    assert count == 0
    assert await tables_in(engine, f"tenant_{slug}") == set()


async def test_tenant_tables_are_unreachable_without_a_tenant_schema(engine: AsyncEngine) -> None:
    """Tenant tables are declared in a placeholder schema: forgetting the tenant fails loudly."""
    async with engine.connect() as conn:
        with pytest.raises(ProgrammingError, match=r'relation "tenant\.companies" does not exist'):
            await conn.execute(companies.select())


async def test_each_tenant_engine_sees_only_its_own_rows(engine: AsyncEngine) -> None:
    a, b = await provision(engine), await provision(engine)
    engines = TenantEngines(engine)
    async with engines.for_schema(a.schema).begin() as conn:
        await conn.execute(
            companies.insert().values(
                name="Only in A", created_by=a.admin_user_id, updated_by=a.admin_user_id
            )
        )
    for tenant, expected in ((a, ["Only in A"]), (b, [])):
        async with engines.for_schema(tenant.schema).connect() as conn:
            names = (await conn.execute(companies.select())).all()
        assert [r.name for r in names] == expected


def test_schema_names_are_validated_before_use(engine: AsyncEngine) -> None:
    engines = TenantEngines(engine)
    for bad in ("public", "shared", 'tenant_x"; drop schema shared; --', "tenant_"):
        with pytest.raises(ValueError):
            engines.for_schema(bad)
