"""Changing a tenant's plan (and its overrides); counting what a tenant uses against its limits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from redis.asyncio import Redis
from sqlalchemy import Select, func, literal_column, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnClause

from db.crypto import tenant_schema
from db.driver_path.connection import driver_connection
from db.engine import SCHEMAS_CACHED
from db.tables.shared import subscriptions, tenants, users
from db.tables.tenant import companies
from db.tables.webhooks import webhook_endpoints
from db.tenant_context import invalidate_tenant_context, load_tenant_context
from domain.identity.plans import (
    TenantContext,
    TenantLimits,
    check_limit,
    plan_named,
    validate_overrides,
)
from domain.shared.errors import DomainError, ErrorCode

# A value of None in an override mapping removes that override (back to the plan's value).
FeatureChanges = Mapping[str, bool | None]
LimitChanges = Mapping[str, int | None]


def _apply(
    current: Mapping[str, object], changes: Mapping[str, object | None]
) -> dict[str, object]:
    merged = dict(current)
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


async def set_plan(
    engine: AsyncEngine,
    redis: Redis | None,
    *,
    slug: str,
    plan: str | None = None,
    features: FeatureChanges | None = None,
    limits: LimitChanges | None = None,
    reset_overrides: bool = False,
) -> TenantContext:
    """Change the plan and/or overrides of a tenant, then invalidate its cached context.

    Overrides survive a plan change (they are the tenant's own deal) unless `reset_overrides`.
    A plan change ends the current subscription row and starts a new one.
    """
    if plan is not None:
        plan_named(plan)  # refuses unknown names with INVALID
    validate_overrides(
        {k: v for k, v in (features or {}).items() if v is not None},
        {k: v for k, v in (limits or {}).items() if v is not None},
    )
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                select(
                    tenants.c.id,
                    tenants.c.plan,
                    tenants.c.feature_overrides,
                    tenants.c.limit_overrides,
                )
                .where(tenants.c.slug == slug)
                .with_for_update()
            )
        ).first()
        if row is None:
            raise DomainError.single(ErrorCode.NOT_FOUND, f"No tenant '{slug}'.", "slug")
        base_features = {} if reset_overrides else row.feature_overrides
        base_limits = {} if reset_overrides else row.limit_overrides
        new_plan = plan or row.plan
        await conn.execute(
            update(tenants)
            .where(tenants.c.id == row.id)
            .values(
                plan=new_plan,
                feature_overrides=_apply(base_features, features or {}),
                limit_overrides=_apply(base_limits, limits or {}),
                updated_at=func.now(),
            )
        )
        if new_plan != row.plan:
            await _switch_subscription(conn, row.id, new_plan)
    # After commit: the next request of every API process sees the change.
    if redis is not None:
        await invalidate_tenant_context(redis, row.id)
    context = await load_tenant_context(engine, row.id)
    assert context is not None
    return context


async def _switch_subscription(conn: AsyncConnection, tenant_id: uuid.UUID, plan: str) -> None:
    await conn.execute(
        update(subscriptions)
        .where(subscriptions.c.tenant_id == tenant_id, subscriptions.c.status == "active")
        .values(status="ended", ends_at=func.now())
    )
    await conn.execute(
        subscriptions.insert().values(id=uuid.uuid4(), tenant_id=tenant_id, plan=plan)
    )


def _company_count() -> Select[int]:
    return select(func.count()).select_from(companies)


def _user_count(tenant_id: uuid.UUID) -> Select[int]:
    """Seats: active users, invited ones included (deactivated users free their seat)."""
    return (
        select(func.count())
        .select_from(users)
        .where(users.c.tenant_id == tenant_id, users.c.is_active)
    )


@dataclass(frozen=True)
class TenantUsage:
    companies: int
    users: int
    transactions: int  # entries posted this calendar month (maxTransactions)
    storage_bytes: int  # nothing stores files yet


async def tenant_usage(tenant_engine: AsyncEngine, tenant_id: uuid.UUID) -> TenantUsage:
    """Exact counts in one statement: an admin deciding whether to upgrade needs the truth,
    not the eventually consistent `usage_counters` projection."""
    posted: ColumnClause[int] = literal_column(
        f'(SELECT coalesce(sum(posted), 0) FROM "{tenant_schema(tenant_engine)}".posting_counters'
        " WHERE month = date_trunc('month', now())::date)"
    )
    query = select(
        _company_count().scalar_subquery(),
        _user_count(tenant_id).scalar_subquery(),
        posted,
    )
    async with tenant_engine.connect() as conn:
        companies_now, users_now, posted_now = (await conn.execute(query)).one()
    return TenantUsage(
        companies=companies_now,
        users=users_now,
        transactions=int(posted_now),
        storage_bytes=0,
    )


# Shards of a month's posting count (a backend's shard is its pid modulo this) and the most
# entries one transaction may add to it (postJournalEntries' batch).
POSTING_SHARDS = 64
MAX_ENTRIES_PER_TRANSACTION = 1_000


class PostingCountSql:
    def __init__(self, schema: str) -> None:
        t = f'"{schema}".posting_counters'
        month = "date_trunc('month', now())::date"
        upsert = (
            f"INSERT INTO {t} AS c (month, shard, posted) SELECT {month},"
            f" pg_backend_pid() % {POSTING_SHARDS}, $1::bigint {{where}}"
            " ON CONFLICT (month, shard) DO UPDATE SET posted = c.posted + excluded.posted"
        )
        self.add = upsert.format(where="")
        # Far from the limit: count in, no waiting. Room is judged from the committed count
        # plus what every other transaction in flight could still add (each holds one of
        # max_connections, and adds at most MAX_ENTRIES_PER_TRANSACTION).
        self.add_if_far = (
            upsert.format(
                where=f"WHERE (SELECT coalesce(sum(posted), 0) FROM {t} WHERE month = {month})"
                f" + $1::bigint + current_setting('max_connections')::bigint"
                f" * {MAX_ENTRIES_PER_TRANSACTION} <= $2::bigint"
            )
            + " RETURNING c.posted"
        )
        # Near it: wait for every transaction counting in (shard rows in one order: no
        # deadlock), then count exactly.
        self.lock_month = f"SELECT shard FROM {t} WHERE month = {month} ORDER BY shard FOR UPDATE"
        self.month_total = f"SELECT coalesce(sum(posted), 0) FROM {t} WHERE month = {month}"


_count_sql = lru_cache(maxsize=SCHEMAS_CACHED)(PostingCountSql)


class SqlLimitCounter:
    """`LimitCounter` inside a command's transaction (the tenant's schema is mapped on `conn`).

    `lock_and_count` takes a per-tenant, per-limit advisory lock held until the transaction
    ends, then counts: two concurrent commands cannot both see room for one more.

    Posted entries (`maxTransactions`) are counted as they post instead (`count_postings`,
    table `posting_counters`: per month, in shard rows), because counting them is paid by every
    posting: a per-tenant lock would queue all of a tenant's postings, and counting the month's
    rows grows with the month. A transaction adds its entries to its own shard row at commit,
    before the entry numbers (count rows, then number rows: one lock order for every posting,
    single or bulk); a limited one checks room first. Far from the limit —
    the committed count plus the most all other open transactions could add still fits — it
    just counts in. Near it, it locks the month's shard rows in shard order, which waits for
    every transaction that counted in and is still open, and counts exactly: the limit holds
    to the entry, and postings far from it never wait.
    """

    def __init__(self, conn: AsyncConnection, tenant_id: uuid.UUID) -> None:
        self._conn = conn
        self._tenant_id = tenant_id

    def _sql(self) -> PostingCountSql:
        return _count_sql(tenant_schema(self._conn))

    async def count_postings(self, entries: int, limits: TenantLimits | None = None) -> None:
        """Add `entries` posted in this transaction to this month's count; with `limits`,
        LIMIT_EXCEEDED (nothing counted, the caller rolls back) if they would pass
        maxTransactions."""
        if entries <= 0:
            return
        sql = self._sql()
        raw = await driver_connection(self._conn)
        if limits is None:
            await raw.execute(sql.add, entries)
            return
        cap = limits.max_transactions
        if await raw.fetchrow(sql.add_if_far, entries, cap) is not None:
            return
        await raw.execute(sql.lock_month)
        current = int(await raw.fetchval(sql.month_total))
        check_limit(limits, "maxTransactions", current, entries)
        await raw.execute(sql.add, entries)

    async def posted_this_month(self) -> int:
        raw = await driver_connection(self._conn)
        return int(await raw.fetchval(self._sql().month_total))

    async def lock_and_count(self, limit: str) -> int:
        if limit == "maxCompanies":
            query = _company_count()
        elif limit == "maxUsers":
            query = _user_count(self._tenant_id)
        elif limit == "maxWebhookEndpoints":
            query = select(func.count()).select_from(webhook_endpoints)
        else:  # maxTransactions: count_postings
            raise ValueError(f"nothing counts against {limit} yet")
        await self._conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"limit:{limit}:{self._tenant_id}"},
        )
        return int((await self._conn.execute(query)).scalar_one())
