"""Hundreds of concurrent movements on one product and warehouse leave exact quantities and
values: no lost updates, no deadlock or serialization errors reaching users — and transfers
crossing in opposite directions between two warehouses do not deadlock either."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.accounting.api import count
from tests.conftest import GraphQLClient, TenantHandle
from tests.inventory.api import Inventory

CLIENTS = 32
MOVEMENTS = 240


async def _gather_limited(calls: list[Any], clients: int) -> list[dict[str, Any]]:
    gate = asyncio.Semaphore(clients)

    async def one(call: Any) -> dict[str, Any]:
        async with gate:
            return dict(await call())

    return list(await asyncio.gather(*(one(call) for call in calls)))


@pytest.fixture
async def busy_tenant(make_tenant) -> TenantHandle:  # type: ignore[no-untyped-def]
    """A tenant on the plan whose rate limit lets hundreds of requests through at once."""
    return await make_tenant("busy", plan="enterprise")


async def test_hundreds_of_concurrent_adjustments_on_one_product_stay_exact(
    gql: GraphQLClient, engine: AsyncEngine, busy_tenant: TenantHandle
) -> None:
    tenant = busy_tenant
    inv = await Inventory.open(gql, tenant)
    product = await inv.product("HOT")
    store = await inv.warehouse("KL")
    await inv.adjust(product["id"], store["id"], delta="1000", unitCost="2.5")
    # 2 in, 1 out, alternating: +MOVEMENTS/2 units net; receipts at varying costs
    calls = []
    for i in range(MOVEMENTS):
        if i % 2 == 0:
            fields = {"delta": "2", "unitCost": f"{2 + (i % 7) / 4:.2f}"}
        else:
            fields = {"delta": "-1"}
        calls.append(lambda fields=fields: inv.adjust(product["id"], store["id"], **fields))
    results = await _gather_limited(calls, CLIENTS)
    assert [r["errors"] for r in results if r["errors"]] == []
    level = (await inv.levels())["edges"][0]["node"]
    assert Decimal(level["onHand"]) == 1000 + MOVEMENTS // 2
    assert await count(engine, tenant.schema, "stock_movements") == MOVEMENTS + 1
    assert await count(engine, tenant.schema, "outbox", "event_type = 'StockLevelChanged'") == (
        MOVEMENTS + 1
    )
    # value: the levels, the FIFO layers, the per-day model and the books all agree
    valued = await inv.valuation()
    assert valued["totalValue"] == level["value"] == await inv.inventory_balance()
    async with engine.connect() as conn:
        layers = (
            await conn.execute(
                text(f'SELECT sum(value), sum(quantity) FROM "{tenant.schema}".stock_layers')
            )
        ).one()
    assert (layers[0], layers[1]) == (Decimal(level["value"]), Decimal(level["onHand"]))


async def test_transfers_crossing_in_both_directions_do_not_deadlock(
    gql: GraphQLClient, busy_tenant: TenantHandle
) -> None:
    tenant = busy_tenant
    inv = await Inventory.open(gql, tenant)
    products = [await inv.product(f"P-{i}") for i in range(3)]
    kl, pg = await inv.warehouse("KL"), await inv.warehouse("PG")
    for product in products:
        for store in (kl, pg):
            await inv.adjust(product["id"], store["id"], delta="500", unitCost="1")
    calls = []
    for i in range(120):
        product = products[i % 3]
        source, target = (kl, pg) if i % 2 == 0 else (pg, kl)
        calls.append(
            lambda p=product, s=source, t=target: inv.transfer(
                p["id"], s["id"], t["id"], quantity="1"
            )
        )
    results = await _gather_limited(calls, CLIENTS)
    assert [r["errors"] for r in results if r["errors"]] == []
    levels = [e["node"] for e in (await inv.levels(first=100))["edges"]]
    assert {lv["onHand"] for lv in levels} == {"500.0000"}  # 20 each way per product
    assert (await inv.valuation())["totalValue"] == "3000.0000" == await inv.inventory_balance()
