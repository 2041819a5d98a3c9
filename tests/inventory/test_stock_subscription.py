"""stockLevelChanged over a real websocket: movements over HTTP, events back through the
outbox relay, Redis and the hub — only the product and warehouse asked for, never another
tenant's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from server.services import Endpoints
from tests.conftest import GraphQLClient, LiveServer, TenantHandle, eventually
from tests.e2e.test_subscriptions import until_listening, until_published
from tests.e2e.ws_client import PROTOCOLS, GraphQLWebSocket
from tests.inventory.api import STOCK_LEVEL_CHANGED, Inventory


@pytest.fixture(scope="module")
async def redis(endpoints: Endpoints) -> AsyncIterator[Redis]:
    client = Redis.from_url(endpoints.redis_url)
    yield client
    await client.aclose()


@pytest.mark.parametrize("protocol", PROTOCOLS[:1])
async def test_stock_level_changes_are_pushed_for_the_product_and_warehouse_asked(
    protocol: str,
    live_server: LiveServer,
    gql: GraphQLClient,
    redis: Redis,
    engine: AsyncEngine,
    tenant: TenantHandle,
    other_tenant: TenantHandle,
) -> None:
    inv = await Inventory.open(gql, tenant)
    product, other_product = await inv.product("P-1"), await inv.product("P-2")
    kl, pg = await inv.warehouse("KL"), await inv.warehouse("PG")
    await until_published(engine, tenant.schema)
    hub = live_server.services.hub
    async with GraphQLWebSocket(live_server.ws_url, protocol, tenant.token) as ws:
        before = hub.subscriber_count
        watched = await ws.subscribe(
            STOCK_LEVEL_CHANGED, {"productId": product["id"], "warehouseId": kl["id"]}
        )

        async def registered() -> bool:
            return bool(hub.subscriber_count >= before + 1)

        assert await eventually(registered, timeout=5)
        await until_listening(redis, tenant.id)
        await inv.adjust(other_product["id"], kl["id"], delta="5", unitCost="1")  # not this one
        await inv.adjust(product["id"], pg["id"], delta="5", unitCost="1")  # other warehouse
        await inv.adjust(product["id"], kl["id"], delta="3", unitCost="2")
        pushed = (await watched.next(timeout=10))["data"]["stockLevelChanged"]
        assert (pushed["productId"], pushed["warehouseId"]) == (product["id"], kl["id"])
        assert (pushed["onHand"], pushed["value"], pushed["available"]) == (
            "3.0000",
            "6.0000",
            "3.0000",
        )
        moved = await inv.transfer(product["id"], kl["id"], pg["id"], quantity="1")
        assert moved["errors"] == []
        pushed = (await watched.next(timeout=10))["data"]["stockLevelChanged"]
        assert pushed["onHand"] == "2.0000"

    # another tenant cannot watch this tenant's product
    async with GraphQLWebSocket(live_server.ws_url, protocol, other_tenant.token) as ws:
        refused = await ws.subscribe(STOCK_LEVEL_CHANGED, {"productId": product["id"]})
        errors = await refused.errors(timeout=10)
        assert errors and errors[0]["extensions"]["code"] == "NOT_FOUND"
