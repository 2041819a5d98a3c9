"""Real-time events over websockets, the way Apollo clients receive them.

domainEvents(eventTypes) and companyEvents stream the caller's tenant's events from Redis, over
both protocols Apollo clients speak: graphql-transport-ws and the legacy graphql-ws. A subscriber
never receives another tenant's event.

Everything here is real: the API on a socket (uvicorn), PostgreSQL with the outbox and its NOTIFY
trigger, the outbox relay, Redis pub/sub and the per-process event hub. Mutations go over HTTP,
events come back over a websocket.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from resolvers.events.hub import tenant_channel
from server.bootstrap import DEMO_ADMIN, DEMO_SLUG, seed_demo
from tests.conftest import LOGIN, GraphQLClient, LiveServer, TenantHandle, eventually
from tests.e2e.ws_client import LEGACY_WS, PROTOCOLS, TRANSPORT_WS, GraphQLWebSocket

CREATE = """
mutation Create($input: CreateCompanyInput!) {
  createCompany(input: $input) { company { id name version } errors { code message field } }
}"""

UPDATE = """
mutation Update($input: UpdateCompanyInput!) {
  updateCompany(input: $input) { company { id name version } errors { code message field } }
}"""

COMPANY_EVENTS = """
subscription CompanyEvents($companyId: ID) {
  companyEvents(companyId: $companyId) {
    eventType aggregateId payload tenantId userId metadata { requestId source }
  }
}"""

DOMAIN_EVENTS = """
subscription DomainEvents($eventTypes: [String!]) {
  domainEvents(eventTypes: $eventTypes) {
    id eventType aggregateId aggregateType eventVersion occurredOn correlationId
    tenantId userId payload
    metadata { source causationId ipAddress userAgent requestId }
  }
}"""

protocols = pytest.mark.parametrize("protocol", PROTOCOLS)


async def channel_subscribers(redis: Redis, tenant_id: uuid.UUID | str) -> int:
    channel = tenant_channel(str(tenant_id))
    [(_, count)] = await redis.pubsub_numsub(channel)
    return int(count)


async def until_listening(redis: Redis, *tenant_ids: uuid.UUID | str) -> None:
    """Wait until the server has SUBSCRIBEd each tenant's channel in Redis.

    GraphQL subscribe has no acknowledgement, so a test must not publish before the server's
    hub is on the channel. Each test uses one subscription per tenant, so the first (and only)
    SUBSCRIBE of that tenant's channel is the subscription being live.
    """
    for tenant_id in tenant_ids:

        async def on_channel(tenant_id: uuid.UUID | str = tenant_id) -> bool:
            return await channel_subscribers(redis, tenant_id) >= 1

        assert await eventually(on_channel, timeout=5), f"server never subscribed {tenant_id}"


async def until_unsubscribed(redis: Redis, tenant_id: uuid.UUID | str) -> None:
    async def off_channel() -> bool:
        return await channel_subscribers(redis, tenant_id) == 0

    assert await eventually(off_channel, timeout=5), "closing the socket left the channel open"


async def until_published(engine: AsyncEngine, schema: str) -> None:
    """Wait until the relay has published every event the tenant committed so far.

    Pub/sub delivers what is published after one subscribes, and the relay publishes shortly
    after commit: without this, an event committed before subscribing may still arrive.
    """

    async def quiet() -> bool:
        async with engine.connect() as conn:
            pending = await conn.execute(
                text(f'SELECT count(*) FROM "{schema}".outbox WHERE published_at IS NULL')
            )
            return pending.scalar_one() == 0

    assert await eventually(quiet, timeout=10), "the relay left events unpublished"


async def create_company(gql: GraphQLClient, token: str, name: str) -> tuple[dict, str]:
    """createCompany over HTTP; returns the company and the response's X-Request-Id."""
    response = await gql.post(CREATE, {"input": {"name": name}}, token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    result = body["data"]["createCompany"]
    assert result["errors"] == [], result
    return result["company"], response.headers["x-request-id"]


@pytest.fixture
async def demo_admin(engine: AsyncEngine, gql: GraphQLClient) -> TenantHandle:
    """The demo tenant (as `bigledger serve` seeds it), signed in as its admin."""
    password = f"demo-{uuid.uuid4().hex}"
    await seed_demo(engine, password)  # creates it once; later calls set this password
    login = (
        await gql.data(LOGIN, {"tenant": DEMO_SLUG, "email": DEMO_ADMIN, "password": password})
    )["login"]
    assert login["errors"] == [], login
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT t.id, t.schema_name, u.id AS user_id FROM shared.tenants t "
                    "JOIN shared.users u ON u.tenant_id = t.id "
                    "WHERE t.slug = :slug AND u.email = :email"
                ),
                {"slug": DEMO_SLUG, "email": DEMO_ADMIN},
            )
        ).one()
    return TenantHandle(
        row.id, DEMO_SLUG, row.schema_name, row.user_id, DEMO_ADMIN, password,
        token=login["accessToken"],
    )  # fmt: skip


@protocols
async def test_demo_admin_watches_company_created_then_updated(
    protocol: str, live_server: LiveServer, gql: GraphQLClient, redis: Redis,
    demo_admin: TenantHandle, engine: AsyncEngine,
) -> None:  # fmt: skip
    """The headline: log in as the demo admin, create a company, watch CompanyCreated arrive."""
    tenant = demo_admin
    await until_published(engine, tenant.schema)  # the shared demo tenant is quiet
    async with GraphQLWebSocket(live_server.ws_url, protocol, tenant.token) as ws:
        sub = await ws.subscribe(COMPANY_EVENTS)
        await until_listening(redis, tenant.id)

        company, request_id = await create_company(gql, tenant.token, f"Live {protocol}")
        created = await sub.next(timeout=10)
        assert "errors" not in created or not created["errors"], created
        event = created["data"]["companyEvents"]
        assert event["eventType"] == "CompanyCreated"
        assert event["aggregateId"] == company["id"]
        assert event["payload"]["name"] == f"Live {protocol}"
        assert event["payload"]["id"] == company["id"]
        assert event["tenantId"] == str(tenant.id)
        assert event["userId"] == str(tenant.admin_id)
        assert event["metadata"] == {"requestId": request_id, "source": "bigledger-api"}

        response = await gql.post(
            UPDATE,
            {
                "input": {
                    "id": company["id"],
                    "version": 1,
                    "name": "Renamed",
                    "timezone": "Asia/Tokyo",
                }
            },
            tenant.token,
        )
        assert response.json()["data"]["updateCompany"]["errors"] == []
        event = (await sub.next(timeout=10))["data"]["companyEvents"]
        assert event["eventType"] == "CompanyUpdated"
        assert event["aggregateId"] == company["id"]
        assert event["metadata"]["requestId"] == response.headers["x-request-id"]
        assert event["payload"]["version"] == 2
        assert event["payload"]["changes"] == {
            "name": {"before": f"Live {protocol}", "after": "Renamed"},
            "timezone": {"before": "UTC", "after": "Asia/Tokyo"},
        }
        await sub.assert_silent(0.5)  # one event per command, no echo
    await until_unsubscribed(redis, tenant.id)


@protocols
async def test_domain_events_filter_by_event_type(
    protocol: str, live_server: LiveServer, gql: GraphQLClient, redis: Redis, tenant: TenantHandle
) -> None:
    async with GraphQLWebSocket(live_server.ws_url, protocol, tenant.token) as ws:
        sub = await ws.subscribe(DOMAIN_EVENTS, {"eventTypes": ["CompanyUpdated"]})
        await until_listening(redis, tenant.id)
        company, _ = await create_company(gql, tenant.token, "Filtered Sdn Bhd")
        await gql.data(
            UPDATE, {"input": {"id": company["id"], "version": 1, "name": "Kept"}}, tenant.token
        )
        # Both events travel on the tenant's one channel in commit order: had CompanyCreated
        # passed the filter it would arrive first.
        event = (await sub.next(timeout=10))["data"]["domainEvents"]
        assert (event["eventType"], event["aggregateId"]) == ("CompanyUpdated", company["id"])
        changes = event["payload"]["changes"]
        assert changes == {"name": {"before": "Filtered Sdn Bhd", "after": "Kept"}}
        await sub.assert_silent(0.5)


@protocols
async def test_company_events_of_one_company(
    protocol: str, live_server: LiveServer, gql: GraphQLClient, redis: Redis,
    tenant: TenantHandle, engine: AsyncEngine,
) -> None:  # fmt: skip
    watched, _ = await create_company(gql, tenant.token, "Watched")
    await until_published(engine, tenant.schema)  # its CompanyCreated is not for us
    async with GraphQLWebSocket(live_server.ws_url, protocol, tenant.token) as ws:
        sub = await ws.subscribe(COMPANY_EVENTS, {"companyId": watched["id"]})
        await until_listening(redis, tenant.id)
        other, _ = await create_company(gql, tenant.token, "Other")
        for company in (other, watched):
            await gql.data(
                UPDATE, {"input": {"id": company["id"], "version": 1, "name": "New"}}, tenant.token
            )
        event = (await sub.next(timeout=10))["data"]["companyEvents"]
        assert (event["eventType"], event["aggregateId"]) == ("CompanyUpdated", watched["id"])
        await sub.assert_silent(0.5)


async def test_domain_event_carries_the_full_envelope(
    live_server: LiveServer, gql: GraphQLClient, redis: Redis, tenant: TenantHandle,
    engine: AsyncEngine,
) -> None:  # fmt: skip
    async with GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, tenant.token) as ws:
        sub = await ws.subscribe(DOMAIN_EVENTS)
        await until_listening(redis, tenant.id)
        response = await gql.http.post(
            "/graphql",
            json={"query": CREATE, "variables": {"input": {"name": "Envelope Bhd"}}},
            headers={"Authorization": f"Bearer {tenant.token}", "User-Agent": "e2e-suite/1.0"},
        )
        company = response.json()["data"]["createCompany"]["company"]
        request_id = response.headers["x-request-id"]
        event = (await sub.next(timeout=10))["data"]["domainEvents"]

    async with engine.connect() as conn:
        row = (
            await conn.execute(text(f'SELECT event_id, envelope FROM "{tenant.schema}".outbox'))
        ).one()
    assert set(event) == {
        "id", "eventType", "aggregateId", "aggregateType", "eventVersion", "occurredOn",
        "correlationId", "tenantId", "userId", "payload", "metadata",
    }  # fmt: skip
    assert event["id"] == str(row.event_id) == row.envelope["id"]
    assert event["eventType"] == "CompanyCreated"
    assert event["aggregateId"] == company["id"]
    assert event["aggregateType"] == "Company"
    assert event["eventVersion"] == 1
    occurred = datetime.fromisoformat(event["occurredOn"])
    assert occurred.utcoffset() is not None  # timezone-aware
    assert occurred == datetime.fromisoformat(row.envelope["occurredOn"])
    assert event["correlationId"] == request_id
    assert event["tenantId"] == str(tenant.id)
    assert event["userId"] == str(tenant.admin_id)
    assert event["payload"] == row.envelope["payload"]
    assert event["payload"]["name"] == "Envelope Bhd"
    assert event["metadata"] == {
        "source": "bigledger-api",
        "causationId": None,
        "ipAddress": "127.0.0.1",
        "userAgent": "e2e-suite/1.0",
        "requestId": request_id,
    }


@protocols
async def test_a_subscriber_never_sees_another_tenants_events(
    protocol: str, live_server: LiveServer, gql: GraphQLClient, redis: Redis,
    tenant: TenantHandle, other_tenant: TenantHandle,
) -> None:  # fmt: skip
    """A and B subscribed at once (A to every domain event, B to company events) while both
    create companies: each receives exactly its own, and nothing of the other's within 1.5 s."""
    a, b = tenant, other_tenant
    async with (
        GraphQLWebSocket(live_server.ws_url, protocol, a.token) as ws_a,
        GraphQLWebSocket(live_server.ws_url, protocol, b.token) as ws_b,
    ):
        sub_a = await ws_a.subscribe(DOMAIN_EVENTS)
        sub_b = await ws_b.subscribe(COMPANY_EVENTS)
        await until_listening(redis, a.id, b.id)

        ids: dict[str, list[str]] = {"a": [], "b": []}
        for i in range(2):  # interleaved, so each channel carries traffic while the other does
            for key, who in (("b", b), ("a", a)):
                ids[key].append((await create_company(gql, who.token, f"{key}{i}"))[0]["id"])

        received_a = [(await sub_a.next(timeout=10))["data"]["domainEvents"] for _ in range(2)]
        received_b = [(await sub_b.next(timeout=10))["data"]["companyEvents"] for _ in range(2)]
        assert [e["aggregateId"] for e in received_a] == ids["a"]
        assert [e["aggregateId"] for e in received_b] == ids["b"]
        assert {e["tenantId"] for e in received_a} == {str(a.id)}
        assert {e["tenantId"] for e in received_b} == {str(b.id)}
        # Nothing of the other tenant's (nor anything else) follows, on either side.
        await asyncio.gather(sub_a.assert_silent(1.5), sub_b.assert_silent(1.5))


@protocols
async def test_subscribing_without_a_valid_token_is_unauthenticated(
    protocol: str, live_server: LiveServer, tenant: TenantHandle
) -> None:
    header, _, signature = tenant.token.rpartition(".")
    credentials = {
        "none": {},
        "garbage": {"Authorization": "Bearer not-a-jwt"},
        "tampered": {"Authorization": f"Bearer {header}.{signature[::-1]}"},
        "wrong-scheme": {"Authorization": f"Basic {tenant.token}"},
    }
    for name, params in credentials.items():
        async with GraphQLWebSocket(live_server.ws_url, protocol, connection_params=params) as ws:
            for query in (COMPANY_EVENTS, DOMAIN_EVENTS):
                sub = await ws.subscribe(query)
                errors = await sub.errors(timeout=5)
                codes = [e.get("extensions", {}).get("code") for e in errors]
                assert codes == ["UNAUTHENTICATED"], (name, errors)
            assert ws.closed_reason is None, name  # the connection survives; nothing crashed


async def test_a_query_over_the_legacy_protocol_is_a_client_error(
    live_server: LiveServer, tenant: TenantHandle
) -> None:
    """Legacy graphql-ws carries subscriptions only here; a query is the client's mistake."""
    params = {"Authorization": f"Bearer {tenant.token}"}
    async with GraphQLWebSocket(live_server.ws_url, LEGACY_WS, connection_params=params) as ws:
        sub = await ws.subscribe("{ __typename }")
        errors = await sub.errors(timeout=5)
        assert errors and "Internal server error" not in errors[0]["message"], errors
        assert ws.closed_reason is None
