"""An open subscription follows access changes as they happen, not as they were at connect.

A websocket authenticates once, in connection_init, and may stay open for hours. Revoking a
user's access to a company, deactivating the user or the token running out must take effect on
that open stream too: the next event is judged by the caller's rights as they are now.
"""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.identity.builtin_roles import VIEWER
from server.security.tokens import TokenService
from tests.conftest import GraphQLClient, LiveServer, TenantHandle
from tests.e2e.test_subscriptions import UPDATE, until_listening, until_published
from tests.e2e.ws_client import TRANSPORT_WS, GraphQLWebSocket
from tests.identity.test_access import GRANT, company, invite

EVENTS = "subscription { companyEvents { eventType aggregateId payload } }"
TTL = 4  # seconds: long enough for one event to arrive while the token is valid
DEACTIVATE = "mutation($u: ID!) { deactivateUser(userId: $u) { ok errors { code } } }"


async def rename(gql: GraphQLClient, token: str, made: dict, name: str) -> None:
    company_ = made["company"]
    result = await gql.data(
        UPDATE, {"input": {"id": company_["id"], "version": company_["version"], "name": name}},
        token,
    )  # fmt: skip
    assert result["updateCompany"]["errors"] == [], result
    company_["version"] = result["updateCompany"]["company"]["version"]


async def test_revoked_company_stops_streaming_on_an_open_subscription(
    live_server: LiveServer,
    gql: GraphQLClient,
    redis: Redis,
    tenant: TenantHandle,
) -> None:
    kept = await company(gql, tenant.token, "Kept Sdn Bhd")
    lost = await company(gql, tenant.token, "Lost Sdn Bhd")
    clerk = await invite(
        gql, tenant, companies=(kept["company"]["id"], lost["company"]["id"]),
        company_roles=(VIEWER.id,),
    )  # fmt: skip
    async with GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, clerk.token) as ws:
        sub = await ws.subscribe(EVENTS)
        await until_listening(redis, tenant.id)
        await rename(gql, tenant.token, lost, "Lost (before)")
        before = (await sub.next(timeout=10))["data"]["companyEvents"]
        assert before["aggregateId"] == lost["company"]["id"]  # still theirs to see

        revoked = await gql.data(
            GRANT,
            {"input": {"userId": clerk.id, "companyId": lost["company"]["id"], "revoke": True}},
            tenant.token,
        )
        assert revoked["grantCompanyAccess"]["errors"] == [], revoked
        await rename(gql, tenant.token, lost, "Lost (after)")
        await rename(gql, tenant.token, kept, "Kept (after)")
        after = (await sub.next(timeout=10))["data"]["companyEvents"]
        # Renamed in this order, so the first event still theirs proves the other was dropped.
        assert (after["eventType"], after["aggregateId"]) == (
            "CompanyUpdated",
            kept["company"]["id"],
        )


async def test_a_deactivated_user_is_cut_off_their_open_subscription(
    live_server: LiveServer,
    gql: GraphQLClient,
    redis: Redis,
    tenant: TenantHandle,
) -> None:
    made = await company(gql, tenant.token, "Watched Sdn Bhd")
    clerk = await invite(
        gql, tenant, companies=(made["company"]["id"],), company_roles=(VIEWER.id,)
    )
    async with GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, clerk.token) as ws:
        sub = await ws.subscribe(EVENTS)
        await until_listening(redis, tenant.id)
        done = await gql.data(DEACTIVATE, {"u": clerk.id}, tenant.token)
        assert done["deactivateUser"]["ok"] is True
        await rename(gql, tenant.token, made, "Not for them")
        errors = await sub.errors(timeout=10)
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "deactivated" in errors[0]["message"]


async def test_an_expired_token_ends_the_subscription_at_the_next_event(
    live_server: LiveServer, gql: GraphQLClient, redis: Redis, tenant: TenantHandle,
    engine: AsyncEngine,
) -> None:  # fmt: skip
    made = await company(gql, tenant.token, "Short Lived Sdn Bhd")
    await until_published(engine, tenant.schema)  # its CompanyCreated must not arrive below
    server_tokens = live_server.services.tokens
    short = TokenService(
        server_tokens._key, issuer=server_tokens._issuer, audience=server_tokens._audience,
        ttl_seconds=TTL,
    )  # fmt: skip
    token, _ = short.issue_access_token(user_id=tenant.admin_id, tenant_id=tenant.id)
    expires = time.time() + TTL
    async with GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, token) as ws:
        sub = await ws.subscribe(EVENTS)
        await until_listening(redis, tenant.id)
        await rename(gql, tenant.token, made, "While valid")
        valid = (await sub.next(timeout=TTL - 1))["data"]["companyEvents"]
        assert valid["payload"]["changes"]["name"]["after"] == "While valid"
        await asyncio.sleep(max(0.0, expires - time.time()) + 0.5)
        await rename(gql, tenant.token, made, "After expiry")
        errors = await sub.errors(timeout=10)
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "expired" in errors[0]["message"]
