"""Lists and nested relations: keyset pages, filters, search, and SQL statements per request
that do not grow with the page size (every nested relation through a dataloader)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import GraphQLClient, StatementLog, TenantHandle
from tests.purchasing.api import SUPPLIERS, UPDATE_SUPPLIER, Purchasing

BILLS_PAGE = """
query($company: ID!, $filter: BillFilter, $after: String) {
  bills(companyId: $company, filter: $filter, first: %d, after: $after) {
    edges { node {
      id number status total outstanding overdueDays supplierName
      supplier { code balance { payable } } lines { amount taxAmount }
      payments { paymentNumber amount } journalEntry { entryNumber }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""
ORDERS_PAGE = """
query($company: ID!) {
  purchaseOrders(companyId: $company, first: %d) {
    edges { node { number supplier { code } lines { quantity product { sku } }
      receipts { number } } }
  }
}"""
PAYMENTS_PAGE = """
query($company: ID!) {
  supplierPayments(companyId: $company, first: %d) {
    edges { node { number amount supplier { code }
      allocations { billNumber amount } journalEntry { entryNumber } } }
  }
}"""


async def _company_with_documents(gql: GraphQLClient, tenant: TenantHandle, n: int) -> Purchasing:
    p = await Purchasing.open(gql, tenant)
    widget = await p.inventory.product("WIDGET")
    store = await p.inventory.warehouse("MAIN")
    suppliers = [await p.supplier(f"S{i}") for i in range(2)]
    bills = []
    for i in range(n):
        supplier = suppliers[i % 2]["id"]
        order = await p.order(supplier, store["id"], [(widget["id"], "2", "3.00")])
        await p.receive(order, ["2"])
        bills.append(
            await p.bill(
                supplier,
                [
                    {"accountId": p.books.id("6700"), "quantity": "1", "unitPrice": "10"},
                    {
                        "accountId": p.books.id("6300"),
                        "quantity": "2",
                        "unitPrice": "5",
                        "taxCode": "SVC8",
                    },
                ],
                post=True,
            )
        )
    for s, supplier in enumerate(suppliers):
        mine = [b for i, b in enumerate(bills) if i % 2 == s]
        paid = await p.pay(supplier["id"], "100", [(b["id"], "5") for b in mine])
        assert paid["errors"] == [], paid
    return p


@pytest.mark.parametrize("size", [2, 6])
async def test_statements_per_page_do_not_grow_with_its_size(
    gql: GraphQLClient, tenant: TenantHandle, sql_log: StatementLog, size: int
) -> None:
    p = await _company_with_documents(gql, tenant, size)
    counts: dict[str, int] = {}
    for name, document, field in (
        ("bills", BILLS_PAGE, "bills"),
        ("orders", ORDERS_PAGE, "purchaseOrders"),
        ("payments", PAYMENTS_PAGE, "supplierPayments"),
    ):
        sql_log.statements.clear()
        data = await gql.data(document % 50, {"company": p.company_id}, p.token)
        counts[name] = len(sql_log.touching(tenant.schema))
        assert len(data[field]["edges"]) == (2 if name == "payments" else size), data
    # bills: page, lines, suppliers (with balances), allocations, entries; orders: page,
    # lines, their products, suppliers, receipts; payments: page, suppliers, allocations, entries.
    assert counts == {"bills": 5, "orders": 5, "payments": 4}, counts


async def test_bill_filters_and_pages(gql: GraphQLClient, tenant: TenantHandle) -> None:
    p = await _company_with_documents(gql, tenant, 4)
    extra = await p.supplier("S9")
    draft = await p.bill(
        extra["id"], [{"accountId": p.books.id("6700"), "quantity": "1", "unitPrice": "1"}]
    )
    first = await p.call(BILLS_PAGE % 3, "bills", {"company": p.company_id})
    assert len(first["edges"]) == 3 and first["pageInfo"]["hasNextPage"] is True
    rest = await p.call(
        BILLS_PAGE % 3, "bills", {"company": p.company_id, "after": first["pageInfo"]["endCursor"]}
    )
    assert len(rest["edges"]) == 2 and rest["pageInfo"]["hasNextPage"] is False
    seen = [e["node"]["id"] for e in first["edges"] + rest["edges"]]
    assert len(set(seen)) == 5

    async def numbers(filter: dict[str, Any]) -> list[str | None]:
        page = await p.call(BILLS_PAGE % 50, "bills", {"company": p.company_id, "filter": filter})
        return [e["node"]["number"] for e in page["edges"]]

    assert await numbers({"status": ["DRAFT"]}) == [None]
    assert await numbers({"supplierId": extra["id"]}) == [None]
    assert len(await numbers({"status": ["PARTIALLY_PAID", "POSTED"]})) == 4
    assert await numbers({"dateRange": {"start": "2026-04-01"}}) == []
    assert len(await numbers({"dateRange": {"start": "2026-03-10", "end": "2026-03-10"}})) == 5
    # Due 30 days after 2026-03-10: overdue once 2026-04-09 has passed in the tenant's zone.
    overdue = await numbers({"status": ["OVERDUE"]})
    assert overdue == [] or len(overdue) == 4
    assert draft["status"] == "DRAFT"


async def test_supplier_search_update_and_balance(gql: GraphQLClient, tenant: TenantHandle) -> None:
    p = await Purchasing.open(gql, tenant)
    kedai = await p.supplier(
        "KEDAI",
        name="Kedai Ahmad Bersaudara",
        taxId="IG123456789",
        registrationNumber="202301000001",
        addresses=[{"line1": "1 Jalan Ampang", "city": "Kuala Lumpur", "country": "my"}],
        contacts=[{"name": "Ahmad", "email": "ahmad@kedai.example"}],
        creditLimit="5000.00",
    )
    await p.supplier("ZEN", name="Zen Supplies")
    await p.supplier("USD1", name="Pacific Imports", currencyCode="USD")
    assert kedai["addresses"][0]["country"] == "MY"
    assert kedai["creditLimit"] == "5000.0000"

    async def codes(search: str) -> list[str]:
        data = await p.call(SUPPLIERS, "suppliers", {"company": p.company_id, "search": search})
        return [e["node"]["code"] for e in data["edges"]]

    assert await codes("ahmad") == ["KEDAI"]  # a word of the name
    assert await codes("ked") == ["KEDAI"]  # start of the name / code
    assert await codes(" ig123456789 ") == ["KEDAI"]  # the whole tax id, any case
    assert await codes("IG1234") == []  # never by part: it is encrypted (blind index)
    assert await codes("zen") == ["ZEN"]
    assert await codes("pacific") == ["USD1"]
    assert await codes("%") == []
    everyone = await p.call(SUPPLIERS, "suppliers", {"company": p.company_id, "first": 2})
    assert [e["node"]["name"] for e in everyone["edges"]] == [
        "Kedai Ahmad Bersaudara",
        "Pacific Imports",
    ]
    more = await p.call(
        SUPPLIERS,
        "suppliers",
        {"company": p.company_id, "first": 2, "after": everyone["pageInfo"]["endCursor"]},
    )
    assert [e["node"]["code"] for e in more["edges"]] == ["ZEN"]

    changed = await p.call(
        UPDATE_SUPPLIER,
        "updateSupplier",
        {"input": {"id": kedai["id"], "version": kedai["version"], "name": "Kedai Ahmad"}},
    )
    assert changed["errors"] == [] and changed["supplier"]["version"] == kedai["version"] + 1
    stale = await p.call(
        UPDATE_SUPPLIER,
        "updateSupplier",
        {"input": {"id": kedai["id"], "version": kedai["version"], "name": "Other"}},
    )
    assert [e["code"] for e in stale["errors"]] == ["CONFLICT"]
