"""The per-request authentication path: one Redis round trip for a signed-in HTTP request
(tenant context, grants and the rate-limit hit together), decoded entries and verified tokens
remembered per process — and every change still seen by the very next request."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from joserfc.jwk import RSAKey
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.access import AccessDirectory
from db.tenant_context import TenantContextStore, invalidate_tenant_context
from db.tenant_plans import set_plan
from server.security.tokens import InvalidToken, TokenService
from server.settings import Settings
from tests.conftest import GraphQLClient, LiveServer, TenantHandle

ME = "{ me { tenant { slug } } }"


@contextmanager
def redis_round_trips(redis: Redis) -> Iterator[list[str]]:
    """Counts what the client sends: each command, or each pipeline, takes one connection from
    the pool for one round trip."""
    pool = redis.connection_pool
    taken: list[str] = []
    original = pool.get_connection

    async def get_connection(*args: Any, **kwargs: Any) -> Any:
        taken.append("round trip")
        return await original(*args, **kwargs)

    pool.get_connection = get_connection  # type: ignore[method-assign]
    try:
        yield taken
    finally:
        del pool.get_connection  # back to the class's method


async def post(gql: GraphQLClient, token: str) -> Any:
    return await gql.post(ME, token=token)


async def test_a_warm_request_costs_one_redis_round_trip(
    gql: GraphQLClient, live_server: LiveServer, tenant: TenantHandle
) -> None:
    for _ in range(2):  # the first caches the context and grants and meets the tenant's bucket
        assert (await post(gql, tenant.token)).status_code == 200
    with redis_round_trips(live_server.services.redis) as taken:
        for _ in range(3):
            response = await post(gql, tenant.token)
            assert response.json()["data"]["me"]["tenant"]["slug"] == tenant.slug
    assert len(taken) == 3, taken


async def test_the_rate_limit_holds_on_the_one_trip_path_and_follows_a_plan_change(
    gql: GraphQLClient, make_tenant, engine: AsyncEngine, redis: Redis
) -> None:  # type: ignore[no-untyped-def]
    handle = await make_tenant("onetrip")
    for _ in range(3):  # known to this process, with the plan's (generous) limits
        assert (await post(gql, handle.token)).status_code == 200
    # Now 1 token a second, 2 at once: the very next request is judged by the new limits
    # (the hit queued with the old ones does not decide), so exactly two more pass.
    await set_plan(engine, redis, slug=handle.slug, limits={"apiRateLimit": 60, "apiBurst": 2})
    statuses = [(await post(gql, handle.token)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = await post(gql, handle.token)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_suspension_and_deactivation_reach_a_token_already_verified(
    gql: GraphQLClient, make_tenant, engine: AsyncEngine, redis: Redis
) -> None:  # type: ignore[no-untyped-def]
    handle = await make_tenant("cached")
    for _ in range(2):  # token verified and remembered, context and grants decoded and kept
        assert (await post(gql, handle.token)).status_code == 200
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE shared.tenants SET status = 'suspended' WHERE id = :id"), {"id": handle.id}
        )
    await invalidate_tenant_context(redis, handle.id)
    [error] = (await post(gql, handle.token)).json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED" and "suspended" in error["message"]

    active = await make_tenant("cachedusr")
    for _ in range(2):
        assert (await post(gql, active.token)).status_code == 200
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE shared.users SET is_active = false WHERE id = :id"),
            {"id": active.admin_id},
        )
    await AccessDirectory(redis).invalidate(active.id)
    [error] = (await post(gql, active.token)).json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED" and "deactivated" in error["message"]


async def test_unchanged_cache_entries_are_decoded_once(
    engine: AsyncEngine, live_server: LiveServer, tenant: TenantHandle, redis: Redis
) -> None:
    store = TenantContextStore(engine, redis)
    await store.get(tenant.id)  # cached in Redis (if it was not already)
    first = await store.get(tenant.id)
    assert first is not None and await store.get(tenant.id) is first  # same bytes: no decoding
    await set_plan(engine, redis, slug=tenant.slug, plan="enterprise")
    changed = await store.get(tenant.id)
    assert changed is not first and changed is not None
    assert changed.subscription_plan == "enterprise"

    access = AccessDirectory(redis)
    tenant_engine = live_server.services.engines.for_schema(tenant.schema)
    await access.grants(tenant_engine, tenant.id, tenant.admin_id)
    grants = await access.grants(tenant_engine, tenant.id, tenant.admin_id)
    assert grants is not None
    assert await access.grants(tenant_engine, tenant.id, tenant.admin_id) is grants
    await access.invalidate(tenant.id)  # an access change: the entry is reloaded
    assert await access.grants(tenant_engine, tenant.id, tenant.admin_id) is not grants


@pytest.fixture(scope="module")
def signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, private=True)


def token_service(key: RSAKey, settings: Settings, ttl: int = 300) -> TokenService:
    return TokenService(
        key, issuer=settings.jwt_issuer, audience=settings.jwt_audience, ttl_seconds=ttl
    )


def test_a_verified_token_is_remembered_until_it_expires(
    signing_key: RSAKey, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = token_service(signing_key, settings, ttl=60)
    user, tenant = uuid.uuid4(), uuid.uuid4()
    token, _ = service.issue_access_token(user_id=user, tenant_id=tenant)
    claims = service.verify(token)
    assert (claims.user_id, claims.tenant_id) == (user, tenant)
    assert service.verify(token) is claims  # remembered: no second RS256 check

    later = time.time() + 61  # past `exp`, for the cache and for joserfc alike
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(InvalidToken, match="expired"):
        service.verify(token)


def test_invalid_tokens_are_never_remembered(signing_key: RSAKey, settings: Settings) -> None:
    service = token_service(signing_key, settings)
    forger = token_service(RSAKey.generate_key(2048, private=True), settings)
    forged, _ = forger.issue_access_token(user_id=uuid.uuid4(), tenant_id=uuid.uuid4())
    for _ in range(2):
        with pytest.raises(InvalidToken, match="signature"):
            service.verify(forged)
    expired, _ = token_service(signing_key, settings, ttl=-60).issue_access_token(
        user_id=uuid.uuid4(), tenant_id=uuid.uuid4()
    )
    for _ in range(2):
        with pytest.raises(InvalidToken, match="expired"):
            service.verify(expired)
