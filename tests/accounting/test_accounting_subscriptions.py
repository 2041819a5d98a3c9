"""accountingEvents and trialBalanceChanged over a real websocket (both Apollo protocols):
mutations over HTTP, events back through the outbox relay, Redis and the event hub.

A subscriber sees only companies they may enter, and never another tenant's events; an open
trial balance is pushed afresh after each posting or reversal of its company.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.identity.builtin_roles import VIEWER
from server.services import Endpoints
from tests.accounting.api import REVERSE_ENTRY, Books, invite
from tests.conftest import GraphQLClient, LiveServer, TenantHandle, eventually
from tests.e2e.test_subscriptions import until_listening, until_published
from tests.e2e.ws_client import PROTOCOLS, GraphQLWebSocket

ACCOUNTING_EVENTS = """
subscription($companyId: ID) {
  accountingEvents(companyId: $companyId) { eventType aggregateId aggregateType tenantId payload }
}"""
TRIAL_BALANCE_CHANGED = """
subscription($companyId: ID!, $asOf: Date) {
  trialBalanceChanged(companyId: $companyId, asOf: $asOf) {
    companyId asOf totalDebit totalCredit balanced
    lines { account { code } debit credit }
  }
}"""

protocols = pytest.mark.parametrize("protocol", PROTOCOLS)


@pytest.fixture(scope="module")
async def redis(endpoints: Endpoints) -> AsyncIterator[Redis]:
    client = Redis.from_url(endpoints.redis_url)
    yield client
    await client.aclose()


async def until_subscribed(
    live_server: LiveServer, redis: Redis, before: int, count: int, *tenant_ids: Any
) -> None:
    """`count` more local subscribers on the server's hub, and its Redis channels subscribed
    (subscribe has no acknowledgement: publishing earlier could miss them)."""
    hub = live_server.services.hub

    async def registered() -> bool:
        return bool(hub.subscriber_count >= before + count)

    assert await eventually(registered, timeout=5), "subscriptions never reached the hub"
    await until_listening(redis, *tenant_ids)


def events(payloads: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (p["data"]["accountingEvents"]["eventType"], p["data"]["accountingEvents"]["aggregateType"])
        for p in payloads
    ]


def cash(balance: dict[str, Any]) -> str | None:
    return next(
        (line["debit"] for line in balance["lines"] if line["account"]["code"] == "1110"), None
    )


@protocols
async def test_posting_reaches_both_subscriptions_and_only_of_the_right_company(
    protocol: str,
    live_server: LiveServer,
    gql: GraphQLClient,
    redis: Redis,
    engine: AsyncEngine,
    tenant: TenantHandle,
) -> None:
    mine = await Books.open(gql, tenant)
    other = await Books.open(gql, tenant)
    await until_published(engine, tenant.schema)  # opening the books' events are out
    hub = live_server.services.hub
    async with GraphQLWebSocket(live_server.ws_url, protocol, tenant.token) as ws:
        before = hub.subscriber_count
        one_company = await ws.subscribe(ACCOUNTING_EVENTS, {"companyId": mine.company_id})
        every_company = await ws.subscribe(ACCOUNTING_EVENTS)
        report = await ws.subscribe(
            TRIAL_BALANCE_CHANGED, {"companyId": mine.company_id, "asOf": "2026-12-31"}
        )
        await until_subscribed(live_server, redis, before, 3, tenant.id)

        # Another company's posting: only the unfiltered stream sees it.
        await other.sale("70.00")
        seen = await every_company.collect(2, timeout=10)
        assert events(seen) == [
            ("JournalEntryCreated", "JournalEntry"),
            ("TransactionPosted", "JournalEntry"),
        ]
        assert {p["data"]["accountingEvents"]["payload"]["companyId"] for p in seen} == {
            other.company_id
        }

        # A posting in my company: both subscriptions deliver.
        sale = await mine.sale("100.00")
        mine_events = await one_company.collect(2, timeout=10)
        assert events(mine_events) == [
            ("JournalEntryCreated", "JournalEntry"),
            ("TransactionPosted", "JournalEntry"),
        ]
        posted = mine_events[1]["data"]["accountingEvents"]
        assert posted["aggregateId"] == sale["id"]
        assert posted["tenantId"] == str(tenant.id)
        assert posted["payload"]["totalAmount"] == "100.0000"
        pushed = (await report.next(timeout=10))["data"]["trialBalanceChanged"]
        assert pushed["companyId"] == mine.company_id
        assert (pushed["totalDebit"], pushed["totalCredit"], pushed["balanced"]) == (
            "100.0000",
            "100.0000",
            True,
        )
        assert cash(pushed) == "100.0000"
        assert len(await every_company.collect(2, timeout=10)) == 2

        # A second posting: the pushed report is the fresh total, not the event's amount.
        await mine.sale("25.50")
        pushed = (await report.next(timeout=10))["data"]["trialBalanceChanged"]
        assert cash(pushed) == "125.5000"

        # Reversal: JournalEntryReversed (and the mirror's posting) refresh the report.
        reversed_ = (await gql.data(REVERSE_ENTRY, {"input": {"id": sale["id"]}}, tenant.token))[
            "reverseJournalEntry"
        ]
        assert reversed_["errors"] == []
        pushes = [p["data"]["trialBalanceChanged"] for p in await report.collect(2, timeout=10)]
        assert [cash(p) for p in pushes] == ["25.5000", "25.5000"]
        kinds = [e for e, _ in events(await one_company.collect(5, timeout=10))]
        assert kinds[:2] == ["JournalEntryCreated", "TransactionPosted"]  # the 25.50 sale
        assert sorted(kinds[2:]) == sorted(
            ["JournalEntryReversed", "JournalEntryCreated", "TransactionPosted"]
        )
        await one_company.assert_silent(0.3)
        await report.assert_silent(0.3)


@protocols
async def test_a_member_of_one_company_and_other_tenants_see_nothing_else(
    protocol: str,
    live_server: LiveServer,
    gql: GraphQLClient,
    redis: Redis,
    engine: AsyncEngine,
    tenant: TenantHandle,
    other_tenant: TenantHandle,
) -> None:
    allowed = await Books.open(gql, tenant)
    hidden = await Books.open(gql, tenant)
    foreign = await Books.open(gql, other_tenant)
    viewer = await invite(gql, tenant, roles=(str(VIEWER.id),), companies=(allowed.company_id,))
    await until_published(engine, tenant.schema)
    await until_published(engine, other_tenant.schema)
    hub = live_server.services.hub
    async with GraphQLWebSocket(live_server.ws_url, protocol, viewer) as ws:
        # A company they cannot enter reads as not found, for both subscriptions.
        refused = await ws.subscribe(ACCOUNTING_EVENTS, {"companyId": hidden.company_id})
        assert (await refused.errors())[0]["extensions"]["code"] == "NOT_FOUND"
        refused = await ws.subscribe(TRIAL_BALANCE_CHANGED, {"companyId": foreign.company_id})
        assert (await refused.errors())[0]["extensions"]["code"] == "NOT_FOUND"

        before = hub.subscriber_count
        everything = await ws.subscribe(ACCOUNTING_EVENTS)
        report = await ws.subscribe(
            TRIAL_BALANCE_CHANGED, {"companyId": allowed.company_id, "asOf": "2026-12-31"}
        )
        await until_subscribed(live_server, redis, before, 2, tenant.id)

        await hidden.sale("10.00")  # same tenant, a company the viewer may not enter
        await foreign.sale("20.00")  # another tenant
        await allowed.sale("30.00")
        got = await everything.collect(2, timeout=10)
        assert {p["data"]["accountingEvents"]["payload"]["companyId"] for p in got} == {
            allowed.company_id
        }
        pushed = (await report.next(timeout=10))["data"]["trialBalanceChanged"]
        assert pushed["totalDebit"] == "30.0000"
        await everything.assert_silent(0.5)
        await report.assert_silent(0.3)
