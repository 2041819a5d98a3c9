"""Concurrent postings and payments: gapless numbers, exact stock, no over-allocation and no
deadlock surfacing as an error."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from tests.sales.api import Sales


async def test_concurrent_postings_number_gaplessly_and_move_stock_exactly(
    gql: Any, make_tenant: Any
) -> None:
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    inventory = sales.inventory
    warehouse = await inventory.warehouse("KL")
    products = [(await inventory.product(f"P{i}", sellingPrice="10"))["id"] for i in range(3)]
    for product in products:
        done = await inventory.adjust(
            product, warehouse["id"], delta="100", unitCost="4", occurredOn="2026-01-02"
        )
        assert done["errors"] == [], done
    customer = await sales.customer()
    drafts = []
    for i in range(12):
        # each invoice takes two of the three products, in different orders
        items = [
            {"productId": products[i % 3], "quantity": "2", "taxCode": "SST10"},
            {"productId": products[(i + 1) % 3], "quantity": "1"},
        ]
        made = await sales.invoice(
            customer["id"], items, warehouseId=warehouse["id"], issueDate="2026-03-01"
        )
        assert made["errors"] == [], made
        drafts.append(made["invoice"]["id"])

    posted = await asyncio.gather(*(sales.post(d) for d in drafts))
    assert all(p["errors"] == [] for p in posted), [p["errors"] for p in posted if p["errors"]]
    numbers = sorted(p["invoice"]["invoiceNumber"] for p in posted)
    assert numbers == [f"INV-{n:06d}" for n in range(1, 13)]
    levels = (await inventory.levels())["edges"]
    assert sorted(Decimal(e["node"]["onHand"]) for e in levels) == [88, 88, 88]
    books = await sales.balances()
    assert Decimal(books["5110"]) == 36 * 4  # 36 units at 4
    assert Decimal(books["1300"]) == 300 * 4 - 36 * 4


async def test_concurrent_payments_never_over_allocate_an_invoice(
    gql: Any, make_tenant: Any
) -> None:
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    customer = await sales.customer()
    invoice = await sales.posted_invoice(
        customer["id"],
        [{"description": "Retainer", "quantity": "1", "unitPrice": "100"}],
        issueDate="2026-03-01",
        dueDate="2030-01-01",
    )
    results = await asyncio.gather(
        *(
            sales.pay(customer["id"], "30", [(invoice["id"], "30")], paymentDate="2026-03-02")
            for _ in range(5)
        )
    )
    accepted = [r for r in results if r["errors"] == []]
    refused = [r for r in results if r["errors"]]
    assert len(accepted) == 3
    assert {e["field"] for r in refused for e in r["errors"]} == {"allocations.0.amount"}
    after = await sales.get_invoice(invoice["id"])
    assert after is not None
    assert (after["amountPaid"], after["amountDue"]) == ("90.0000", "10.0000")
    assert sorted(p["payment"]["number"] for p in accepted) == [
        "OR-000001",
        "OR-000002",
        "OR-000003",
    ]
