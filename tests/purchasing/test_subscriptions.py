"""purchasingEvents over a real websocket: events back through the outbox relay, Redis and the
event hub; filtered by company and supplier, and only for companies the caller may enter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.identity.builtin_roles import PURCHASING
from server.services import Endpoints
from tests.accounting.api import invite
from tests.conftest import GraphQLClient, LiveServer, TenantHandle, eventually
from tests.e2e.test_subscriptions import until_listening, until_published
from tests.e2e.ws_client import PROTOCOLS, GraphQLWebSocket
from tests.purchasing.api import Purchasing

EVENTS = """
subscription($companyId: ID, $supplierId: ID) {
  purchasingEvents(companyId: $companyId, supplierId: $supplierId) {
    eventType aggregateType payload
  }
}"""


@pytest.fixture(scope="module")
async def redis(endpoints: Endpoints) -> AsyncIterator[Redis]:
    client = Redis.from_url(endpoints.redis_url)
    yield client
    await client.aclose()


def kinds(payloads: list[dict[str, Any]]) -> list[str]:
    return sorted(p["data"]["purchasingEvents"]["eventType"] for p in payloads)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_purchasing_events_by_company_and_supplier(
    protocol: str,
    live_server: LiveServer,
    gql: GraphQLClient,
    redis: Redis,
    engine: AsyncEngine,
    tenant: TenantHandle,
) -> None:
    mine = await Purchasing.open(gql, tenant)
    hidden = await Purchasing.open(gql, tenant)
    acme = await mine.supplier("ACME")
    other = await mine.supplier("OTHER")
    clerk = await invite(
        gql, tenant, companies=(mine.company_id,), company_roles=(str(PURCHASING.id),)
    )
    await until_published(engine, tenant.schema)
    hub = live_server.services.hub
    async with (
        GraphQLWebSocket(live_server.ws_url, protocol, tenant.token) as ws,
        GraphQLWebSocket(live_server.ws_url, protocol, clerk) as clerk_ws,
    ):
        before = hub.subscriber_count
        by_supplier = await ws.subscribe(EVENTS, {"supplierId": acme["id"]})
        clerks = await clerk_ws.subscribe(EVENTS)

        async def registered() -> bool:
            return bool(hub.subscriber_count >= before + 2)

        assert await eventually(registered, timeout=5)
        await until_listening(redis, tenant.id)

        await hidden.supplier("SECRET")  # a company the clerk may not enter
        await mine.bill(
            other["id"],
            [{"accountId": mine.books.id("6300"), "quantity": "1", "unitPrice": "5"}],
            post=True,
        )
        await mine.bill(
            acme["id"],
            [{"accountId": mine.books.id("6300"), "quantity": "1", "unitPrice": "7"}],
            post=True,
        )
        seen = await by_supplier.collect(2, timeout=10)
        assert kinds(seen) == ["BillCreated", "BillPosted"]
        assert {p["data"]["purchasingEvents"]["payload"]["supplierId"] for p in seen} == {
            acme["id"]
        }
        await by_supplier.assert_silent(0.3)
        clerk_seen = await clerks.collect(4, timeout=10)
        assert kinds(clerk_seen) == ["BillCreated", "BillCreated", "BillPosted", "BillPosted"]
        assert {p["data"]["purchasingEvents"]["payload"]["companyId"] for p in clerk_seen} == {
            mine.company_id
        }
        await clerks.assert_silent(0.3)
