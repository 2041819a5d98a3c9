"""Sales reads: the invoices list with nested customer, lines and payments costs a fixed number
of SQL statements whatever the page size; aging buckets; invoiceEvents / paymentEvents over a
real websocket, company-filtered; other tenants see nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from server.services import Endpoints
from tests.accounting.test_accounting_subscriptions import until_subscribed
from tests.conftest import GraphQLClient, LiveServer, StatementLog, TenantHandle
from tests.e2e.test_subscriptions import until_published
from tests.e2e.ws_client import GraphQLWebSocket
from tests.sales.api import AGING, INVOICE_QUERY, INVOICES, INVOICES_NESTED, Sales

INVOICE_EVENTS = """
subscription($companyId: ID) {
  invoiceEvents(companyId: $companyId) { eventType aggregateId payload }
}"""
PAYMENT_EVENTS = """
subscription($companyId: ID) { paymentEvents(companyId: $companyId) { eventType payload } }"""


@pytest.fixture(scope="module")
async def redis(endpoints: Endpoints) -> AsyncIterator[Redis]:
    client = Redis.from_url(endpoints.redis_url)
    yield client
    await client.aclose()


@pytest.mark.parametrize("count", [2, 12])
async def test_invoice_page_statement_count_does_not_grow_with_page_size(
    gql: GraphQLClient, make_tenant: Any, sql_log: StatementLog, count: int
) -> None:
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    customers = [await sales.customer(f"C{i}") for i in range(3)]
    for i in range(count):
        invoice = await sales.posted_invoice(
            customers[i % 3]["id"],
            [
                {"description": "Work", "quantity": "1", "unitPrice": "100", "taxCode": "SVC8"},
                {"description": "Parts", "quantity": "2", "unitPrice": "10"},
            ],
            issueDate="2026-04-01",
            dueDate="2030-01-01",
        )
        paid = await sales.pay(
            customers[i % 3]["id"], "50", [(invoice["id"], "50")], paymentDate="2026-04-02"
        )
        assert paid["errors"] == []
    sql_log.statements.clear()
    data = await gql.data(INVOICES_NESTED, {"company": sales.company_id, "first": 50}, tenant.token)
    edges = data["invoices"]["edges"]
    assert len(edges) == count
    node = edges[0]["node"]
    assert len(node["lines"]) == 2 and node["payments"][0]["amount"] == "50.0000"
    assert node["customer"]["balance"] is not None and node["customerName"].startswith("Pelanggan")
    # the page (with customer names), customers, their balances, lines, allocations: 5
    assert len(sql_log.touching(tenant.schema)) == 5, sql_log.touching(tenant.schema)

    sql_log.statements.clear()
    one = await gql.data(INVOICE_QUERY, {"id": node["id"]}, tenant.token)
    assert one["invoice"]["journalEntry"]["status"] == "POSTED"
    # invoice, lines, customer, allocations, journal entry, its lines, their accounts
    assert len(sql_log.touching(tenant.schema)) == 7, sql_log.touching(tenant.schema)


async def test_aging_buckets_by_days_past_due(gql: GraphQLClient, tenant: TenantHandle) -> None:
    sales = await Sales.open(gql, tenant)
    customer = await sales.customer()
    for due, amount in (
        ("2026-06-30", "1"),  # current at 2026-06-30
        ("2026-06-15", "10"),  # 15 days
        ("2026-05-15", "100"),  # 46 days
        ("2026-04-15", "1000"),  # 76 days
        ("2026-02-01", "10000"),  # 149 days
    ):
        await sales.posted_invoice(
            customer["id"],
            [{"description": "x", "quantity": "1", "unitPrice": amount}],
            issueDate="2026-01-15",
            dueDate=due,
        )
    aging = await sales.call(AGING, "arAging", {"company": sales.company_id, "asOf": "2026-06-30"})
    assert aging["totals"] == {
        "current": "1.0000",
        "days1To30": "10.0000",
        "days31To60": "100.0000",
        "days61To90": "1000.0000",
        "over90": "10000.0000",
        "total": "11111.0000",
    }
    assert aging["customers"][0]["customerCode"] == "C001"


async def test_other_tenants_see_no_invoice(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    sales = await Sales.open(gql, tenant)
    customer = await sales.customer()
    invoice = await sales.posted_invoice(
        customer["id"],
        [{"description": "x", "quantity": "1", "unitPrice": "5"}],
        issueDate="2026-03-01",
    )
    assert (await gql.data(INVOICE_QUERY, {"id": invoice["id"]}, other_tenant.token))[
        "invoice"
    ] is None
    listed = await gql.data(INVOICES, {"company": sales.company_id}, other_tenant.token)
    assert listed["invoices"]["edges"] == []
    stranger = Sales(sales.inventory, other_tenant.token)
    posted = await stranger.post(invoice["id"])
    assert posted["errors"][0]["code"] == "NOT_FOUND"
    paid = await stranger.pay(customer["id"], "5", [(invoice["id"], "5")])
    assert paid["errors"][0]["code"] == "NOT_FOUND"
    # Company-level reads with this tenant's company id: an owner of another tenant may enter
    # "every company" of theirs, which this one is not.
    company_reads = """query($company: ID!) {
      taxCodes(companyId: $company) { code }
      taxRounding(companyId: $company)
      salesAccounts(companyId: $company) { role }
      arAging(companyId: $company) { asOf }
      customers(companyId: $company) { edges { node { id } } }
    }"""
    theirs = await gql.data(company_reads, {"company": sales.company_id}, other_tenant.token)
    assert theirs == {
        "taxCodes": [],
        "taxRounding": None,
        "salesAccounts": [],
        "arAging": None,
        "customers": {"edges": []},
    }
    mine = await gql.data(company_reads, {"company": sales.company_id}, tenant.token)
    assert len(mine["taxCodes"]) == 5 and mine["taxRounding"] == "HALF_UP"


async def test_invoice_and_payment_events_reach_subscribers_of_the_company(
    live_server: LiveServer,
    gql: GraphQLClient,
    redis: Redis,
    engine: AsyncEngine,
    tenant: TenantHandle,
) -> None:
    mine = await Sales.open(gql, tenant)
    other = await Sales.open(gql, tenant)
    customer = await mine.customer()
    theirs = await other.customer()
    await until_published(engine, tenant.schema)
    hub = live_server.services.hub
    async with GraphQLWebSocket(live_server.ws_url, "graphql-transport-ws", tenant.token) as ws:
        before = hub.subscriber_count
        invoices = await ws.subscribe(INVOICE_EVENTS, {"companyId": mine.company_id})
        payments = await ws.subscribe(PAYMENT_EVENTS, {"companyId": mine.company_id})
        await until_subscribed(live_server, redis, before, 2, tenant.id)

        await other.posted_invoice(
            theirs["id"],
            [{"description": "x", "quantity": "1", "unitPrice": "9"}],
            issueDate="2026-03-01",
        )
        invoice = await mine.posted_invoice(
            customer["id"],
            [{"description": "y", "quantity": "1", "unitPrice": "20"}],
            issueDate="2026-03-01",
        )
        seen = [p["data"]["invoiceEvents"] for p in await invoices.collect(2, timeout=10)]
        assert [e["eventType"] for e in seen] == ["InvoiceCreated", "InvoicePosted"]
        assert {e["aggregateId"] for e in seen} == {invoice["id"]}
        assert seen[1]["payload"]["number"] == "INV-000001"

        await mine.pay(customer["id"], "20", [(invoice["id"], "20")], paymentDate="2026-03-02")
        paid = (await payments.next(timeout=10))["data"]["paymentEvents"]
        assert paid["eventType"] == "PaymentReceived"
        assert paid["payload"]["allocations"] == [{"invoiceId": invoice["id"], "amount": "20"}]
        settled = (await invoices.next(timeout=10))["data"]["invoiceEvents"]
        assert (settled["eventType"], settled["payload"]["status"]) == ("InvoiceSettled", "paid")
        await invoices.assert_silent(0.3)


DOCUMENT_LISTS = """
query($company: ID!) {
  quotations(companyId: $company) { edges { node { id number status total customerName } } }
  salesOrders(companyId: $company, status: [DELIVERED]) { edges { node { id number status } } }
  deliveries(companyId: $company) {
    edges { node { id number status sourceId lines { costAmount } } }
  }
  customerPayments(companyId: $company) {
    edges { node { id number amount allocations { invoiceNumber amount } customer { code } } }
  }
}"""
DOCUMENTS = """
query($q: ID!, $o: ID!, $d: ID!, $p: ID!) {
  quotation(id: $q) { number }
  salesOrder(id: $o) { number lines { fulfilledQuantity } }
  delivery(id: $d) { number }
  customerPayment(id: $p) { number journalEntry { status } }
  wrongKind: quotation(id: $o) { number }
}"""


async def test_document_and_payment_queries(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    from tests.sales.api import CREATE_DELIVERY, CREATE_ORDER, CREATE_QUOTATION

    sales = await Sales.open(gql, tenant)
    customer = await sales.customer()
    items = [{"description": "Consulting", "quantity": "2", "unitPrice": "75"}]
    quote = await sales.call(
        CREATE_QUOTATION,
        "createQuotation",
        {"input": {"customerId": customer["id"], "items": items, "issueDate": "2026-05-01"}},
    )
    order = await sales.call(
        CREATE_ORDER, "createSalesOrder", {"input": {"quotationId": quote["document"]["id"]}}
    )
    assert order["errors"] == [], order
    delivery = await sales.call(
        CREATE_DELIVERY,
        "createDelivery",
        {"input": {"salesOrderId": order["document"]["id"], "deliveryDate": "2026-05-02"}},
    )
    assert delivery["errors"] == [], delivery
    invoice = await sales.invoice(
        customer["id"], [], deliveryId=delivery["document"]["id"], issueDate="2026-05-03", post=True
    )
    assert invoice["errors"] == [], invoice
    paid = await sales.pay(
        customer["id"], "150", [(invoice["invoice"]["id"], "150")], paymentDate="2026-05-04"
    )
    lists = await gql.data(DOCUMENT_LISTS, {"company": sales.company_id}, tenant.token)
    assert [n["node"]["status"] for n in lists["quotations"]["edges"]] == ["CONVERTED"]
    assert [n["node"]["number"] for n in lists["salesOrders"]["edges"]] == ["SO-000001"]
    assert lists["deliveries"]["edges"][0]["node"]["status"] == "INVOICED"
    payment = lists["customerPayments"]["edges"][0]["node"]
    assert payment["allocations"] == [{"invoiceNumber": "INV-000001", "amount": "150.0000"}]
    ids = {
        "q": quote["document"]["id"],
        "o": order["document"]["id"],
        "d": delivery["document"]["id"],
        "p": paid["payment"]["id"],
    }
    one = await gql.data(DOCUMENTS, ids, tenant.token)
    assert one["quotation"]["number"] == "QT-000001"
    assert one["salesOrder"]["lines"][0]["fulfilledQuantity"] == "2"
    assert one["delivery"]["number"] == "DO-000001"
    assert one["customerPayment"]["journalEntry"]["status"] == "POSTED"
    assert one["wrongKind"] is None
    theirs = await gql.data(DOCUMENTS, ids, other_tenant.token)
    assert set(theirs.values()) == {None}
    nothing = await gql.data(DOCUMENT_LISTS, {"company": sales.company_id}, other_tenant.token)
    assert all(v["edges"] == [] for v in nothing.values())
