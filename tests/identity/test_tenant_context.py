"""The tenant context of every request: what `me { tenant }` shows, one Redis round trip and no
SQL when warm, and changes (plan, overrides, suspension) seen by the very next request."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from asyncio.subprocess import PIPE
from typing import Any

import orjson
import pytest
from redis.asyncio import Redis
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.tenant_context import TenantContextStore, context_key
from db.tenant_plans import set_plan
from domain.identity.plans import ENTERPRISE, FREE, PROFESSIONAL
from server.services import Endpoints
from server.settings import Settings
from tests.conftest import GraphQLClient, LiveServer, StatementLog, TenantHandle
from tests.e2e.ws_client import TRANSPORT_WS, GraphQLWebSocket

ME = """
query {
  me {
    tenant {
      id slug name schema subscriptionPlan features timezone locale currency
      limits { maxCompanies maxUsers maxTransactions apiRateLimit apiBurst storageQuota }
    }
  }
}"""


def limits_json(limits: Any) -> dict[str, Any]:
    return {
        "maxCompanies": limits.max_companies,
        "maxUsers": limits.max_users,
        "maxTransactions": limits.max_transactions,
        "apiRateLimit": limits.api_rate_limit,
        "apiBurst": limits.api_burst,
        "storageQuota": float(limits.storage_quota_bytes),
    }


async def me_tenant(gql: GraphQLClient, handle: TenantHandle) -> dict[str, Any]:
    return (await gql.data(ME, token=handle.token))["me"]["tenant"]


class CountingRedis:
    """A real Redis client that counts the commands (round trips) sent through it."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._redis, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return attr(*args, **kwargs)

        return counted


async def test_me_shows_the_tenant_context(gql: GraphQLClient, make_tenant) -> None:  # type: ignore[no-untyped-def]
    handle = await make_tenant("ctx", timezone="Asia/Kuala_Lumpur", currency_code="MYR")
    tenant = await me_tenant(gql, handle)
    assert tenant == {
        "id": str(handle.id),
        "slug": handle.slug,
        "name": f"Tenant {handle.slug}",
        "schema": handle.schema,
        "subscriptionPlan": "professional",
        "features": sorted(PROFESSIONAL.features),
        "timezone": "Asia/Kuala_Lumpur",
        "locale": "en",
        "currency": "MYR",
        "limits": limits_json(PROFESSIONAL.limits),
    }
    free = await me_tenant(gql, await make_tenant("ctxfree", plan="free"))
    assert free["subscriptionPlan"] == "free"
    assert "api_keys" not in free["features"] and "audit" not in free["features"]
    assert free["limits"]["maxCompanies"] == 1 and free["limits"]["apiRateLimit"] == 300


async def test_a_warm_request_reads_no_tenant_row(
    gql: GraphQLClient, tenant: TenantHandle, sql_log: StatementLog
) -> None:
    await me_tenant(gql, tenant)  # loads and caches
    sql_log.statements.clear()
    for _ in range(3):
        await me_tenant(gql, tenant)
    assert sql_log.statements, "the statement log should see the profile query"
    assert not [s for s in sql_log.statements if "shared.tenants" in s], sql_log.statements


async def test_store_costs_one_redis_round_trip_and_one_query_on_a_miss(
    engine: AsyncEngine, live_server: LiveServer, tenant: TenantHandle
) -> None:
    redis = CountingRedis(live_server.services.redis)
    store = TenantContextStore(engine, redis)  # type: ignore[arg-type]
    await store.invalidate(tenant.id)
    queries: list[str] = []

    def log(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        queries.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", log)
    try:
        redis.calls.clear()
        cold = await store.get(tenant.id)
        assert redis.calls == ["mget", "set"] and len(queries) == 1
        redis.calls.clear()
        queries.clear()
        warm = await store.get(tenant.id)
        assert redis.calls == ["mget"] and queries == []
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", log)
    assert cold == warm and warm is not None and warm.schema == tenant.schema


async def test_a_slow_reader_cannot_put_a_stale_context_back(
    engine: AsyncEngine, live_server: LiveServer, make_tenant
) -> None:  # type: ignore[no-untyped-def]
    """A reader that loaded the row before a change writes its copy after the invalidation:
    that copy carries the old version and is ignored."""
    handle = await make_tenant("race")
    redis: Redis = live_server.services.redis
    store = TenantContextStore(engine, redis)
    assert (await store.get(handle.id)).subscription_plan == "professional"  # type: ignore[union-attr]
    stale = await redis.get(context_key(handle.id))
    await set_plan(engine, redis, slug=handle.slug, plan="enterprise")
    await redis.set(context_key(handle.id), stale)  # the slow reader's late write
    assert (await store.get(handle.id)).subscription_plan == "enterprise"  # type: ignore[union-attr]
    assert orjson.loads(await redis.get(context_key(handle.id)))["c"]["subscriptionPlan"] == (
        "enterprise"
    )


async def test_set_plan_is_seen_by_the_very_next_request(
    gql: GraphQLClient, engine: AsyncEngine, live_server: LiveServer, make_tenant
) -> None:  # type: ignore[no-untyped-def]
    handle = await make_tenant("plan")
    assert (await me_tenant(gql, handle))["subscriptionPlan"] == "professional"  # cached now
    await set_plan(
        engine,
        live_server.services.redis,
        slug=handle.slug,
        plan="enterprise",
        features={"api_keys": False},
        limits={"maxCompanies": 7},
    )
    tenant = await me_tenant(gql, handle)
    assert tenant["subscriptionPlan"] == "enterprise"
    assert tenant["features"] == sorted(ENTERPRISE.features - {"api_keys"})
    assert tenant["limits"] == limits_json(ENTERPRISE.limits) | {"maxCompanies": 7}
    # Overrides outlive a plan change; `default` (None) removes one.
    await set_plan(
        engine,
        live_server.services.redis,
        slug=handle.slug,
        plan="free",
        limits={"maxCompanies": None},
    )
    tenant = await me_tenant(gql, handle)
    assert tenant["subscriptionPlan"] == "free"
    assert tenant["features"] == sorted(FREE.features)  # api_keys: off either way
    assert tenant["limits"]["maxCompanies"] == FREE.limits.max_companies
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT plan, status FROM shared.subscriptions WHERE tenant_id = :id "
                    "ORDER BY starts_at, status"
                ),
                {"id": handle.id},
            )
        ).all()
    assert sorted(map(tuple, rows)) == sorted(
        [("professional", "ended"), ("enterprise", "ended"), ("free", "active")]
    )


async def test_cli_set_plan_changes_a_running_api(
    gql: GraphQLClient, make_tenant, endpoints: Endpoints, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    handle = await make_tenant("cli")
    assert (await me_tenant(gql, handle))["subscriptionPlan"] == "professional"
    env = os.environ | {
        "DATABASE_URL": endpoints.database_url,
        "REDIS_URL": endpoints.redis_url,
        "CELERY_BROKER_URL": endpoints.broker_url,
        "BIGLEDGER_DATA_DIR": str(settings.data_dir),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "server.cli", "tenant", "set-plan", "--slug", handle.slug]

    async def cli(*extra: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            *command, *extra, env=env, stdout=PIPE, stderr=PIPE
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
        return int(process.returncode or 0), out.decode(), err.decode()

    code, out, err = await cli(
        "--plan", "enterprise", "--limit", "maxCompanies=10", "--feature", "audit=off"
    )
    assert code == 0, err
    assert f"tenant {handle.slug}: plan enterprise" in out
    tenant = await me_tenant(gql, handle)
    assert tenant["subscriptionPlan"] == "enterprise"
    assert tenant["limits"]["maxCompanies"] == 10
    assert "audit" not in tenant["features"]
    # Mistakes are refused with a message and change nothing.
    for bad in (("--plan", "platinum"), ("--limit", "maxWidgets=3"), ("--feature", "audit=maybe")):
        code, _, err = await cli(*bad)
        assert code == 2 and "error:" in err, (bad, err)
    assert (await me_tenant(gql, handle)) == tenant


async def test_suspension_after_invalidation_ends_access_at_once(
    gql: GraphQLClient, engine: AsyncEngine, live_server: LiveServer, make_tenant
) -> None:  # type: ignore[no-untyped-def]
    handle = await make_tenant("susp")
    await me_tenant(gql, handle)  # cached as active
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE shared.tenants SET status = 'suspended' WHERE id = :id"), {"id": handle.id}
        )
    await live_server.services.tenant_contexts.invalidate(handle.id)
    body = await gql(ME, token=handle.token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "suspended" in body["errors"][0]["message"]


async def test_websocket_connections_carry_the_tenant_context(
    gql: GraphQLClient, engine: AsyncEngine, live_server: LiveServer, make_tenant
) -> None:  # type: ignore[no-untyped-def]
    """A subscription is checked against the plan of the connection's tenant."""
    handle = await make_tenant("wsctx", plan="free")
    await set_plan(
        engine, live_server.services.redis, slug=handle.slug, features={"companies": False}
    )
    async with GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, handle.token) as ws:
        sub = await ws.subscribe("subscription { companyEvents { id } }")
        errors = await sub.errors(timeout=5)
    assert [e["extensions"]["code"] for e in errors] == ["FEATURE_DISABLED"]
    assert errors[0]["extensions"]["feature"] == "companies"


async def test_each_tenant_sees_only_its_own_context(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    mine, theirs = await me_tenant(gql, tenant), await me_tenant(gql, other_tenant)
    assert mine["id"] == str(tenant.id) and theirs["id"] == str(other_tenant.id)
    entities = await gql.data(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id } } }",
        {"r": [{"__typename": "Tenant", "id": str(other_tenant.id)}]},
        tenant.token,
    )
    assert entities["_entities"] == [None]


@pytest.mark.parametrize(
    ("environment", "flag", "expected"),
    [
        ("development", None, True),
        ("test", None, True),
        ("production", None, False),
        ("production", "true", True),
        ("development", "false", False),
    ],
)
def test_introspection_setting(environment: str, flag: str | None, expected: bool) -> None:
    values = {"BIGLEDGER_ENV": environment} | (
        {"BIGLEDGER_INTROSPECTION": flag} if flag is not None else {}
    )
    assert Settings.model_validate(values).introspection_enabled is expected


async def test_an_unknown_tenant_is_none_and_not_cached(
    engine: AsyncEngine, live_server: LiveServer
) -> None:
    redis: Redis = live_server.services.redis
    nobody = uuid.uuid4()
    assert await TenantContextStore(engine, redis).get(nobody) is None
    assert await redis.exists(context_key(nobody)) == 0
