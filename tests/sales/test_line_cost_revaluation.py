"""A document line's cost is the cost the books carry: when a back-dated movement re-values the
goods an invoice or a delivery took out of stock, the line's `costAmount` follows the COGS the
ledger re-booked, in the same transaction (and a credit note returns them at that cost)."""

from __future__ import annotations

import importlib.util
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import GraphQLClient, TenantHandle
from tests.sales.api import (
    CREATE_CREDIT_NOTE,
    CREATE_DELIVERY,
    CREATE_ORDER,
    DOCUMENT,
    Sales,
)

DELIVERY = f"query($id: ID!) {{ delivery(id: $id) {{ {DOCUMENT} }} }}"


async def _two_fifo_layers(sales: Sales, sku: str) -> tuple[str, str]:
    """10 @ 10.00 on 1 June, 10 @ 20.00 on 2 June."""
    inventory = sales.inventory
    product = await inventory.product(sku, sellingPrice="50.00")
    store = await inventory.warehouse(f"W-{sku}")
    for day, cost in (("2026-06-01", "10"), ("2026-06-02", "20")):
        done = await inventory.adjust(
            product["id"], store["id"], delta="10", unitCost=cost, occurredOn=day
        )
        assert done["errors"] == [], done
    return product["id"], store["id"]


async def _invoice(
    sales: Sales, customer: str, product: str, store: str, qty: str, day: str
) -> Any:
    return await sales.posted_invoice(
        customer,
        [{"productId": product, "quantity": qty}],
        warehouseId=store,
        issueDate=day,
    )


async def _cost(sales: Sales, invoice_id: str) -> str:
    invoice = await sales.get_invoice(invoice_id)
    assert invoice is not None
    return str(invoice["lines"][0]["costAmount"])


async def test_an_invoice_line_cost_follows_a_back_dated_revaluation(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    sales = await Sales.open(gql, tenant)
    product, store = await _two_fifo_layers(sales, "FIFO-INV")
    customer = (await sales.customer())["id"]
    later = await _invoice(sales, customer, product, store, "5", "2026-06-10")
    assert later["lines"][0]["costAmount"] == "50.0000"  # 5 of the first layer

    # 8 units sold on 5 June, entered afterwards: they take the first layer's 8 @ 10, so the
    # 10 June sale now costs 2 @ 10 + 3 @ 20 = 80 in the ledger — and on its invoice
    earlier = await _invoice(sales, customer, product, store, "8", "2026-06-05")
    assert earlier["lines"][0]["costAmount"] == "80.0000"
    assert await _cost(sales, later["id"]) == "80.0000"
    assert (await sales.balances())["5110"] == "160.0000"  # the sum of the invoices' costs

    # goods returned on the 10 June invoice come back at the cost the books carry (16 a unit)
    note = await sales.call(
        CREATE_CREDIT_NOTE,
        "createCreditNote",
        {
            "input": {
                "invoiceId": later["id"],
                "lines": [{"lineNumber": 1, "quantity": "5"}],
                "issueDate": "2026-06-15",
            }
        },
    )
    assert note["errors"] == [], note
    assert note["invoice"]["lines"][0]["costAmount"] == "80.0000"
    assert (await sales.balances())["5110"] == "80.0000"


async def test_a_delivery_line_and_its_invoice_follow_a_back_dated_revaluation(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    sales = await Sales.open(gql, tenant)
    product, store = await _two_fifo_layers(sales, "FIFO-DO")
    customer = (await sales.customer())["id"]
    order = await sales.call(
        CREATE_ORDER,
        "createSalesOrder",
        {
            "input": {
                "customerId": customer,
                "items": [{"productId": product, "quantity": "5"}],
                "warehouseId": store,
                "issueDate": "2026-06-08",
            }
        },
    )
    assert order["errors"] == [], order
    delivered = await sales.call(
        CREATE_DELIVERY,
        "createDelivery",
        {"input": {"salesOrderId": order["document"]["id"], "deliveryDate": "2026-06-10"}},
    )
    assert delivered["errors"] == [], delivered
    delivery = delivered["document"]
    assert delivery["lines"][0]["costAmount"] == "50.0000"
    billed = await sales.invoice(customer, [], deliveryId=delivery["id"], issueDate="2026-06-11")
    assert billed["errors"] == [], billed
    posted = await sales.post(billed["invoice"]["id"])
    assert posted["errors"] == [], posted
    assert posted["invoice"]["lines"][0]["costAmount"] == "50.0000"

    await _invoice(sales, customer, product, store, "8", "2026-06-05")
    shown = (await gql.data(DELIVERY, {"id": delivery["id"]}, tenant.token))["delivery"]
    assert shown["lines"][0]["costAmount"] == "80.0000"
    assert await _cost(sales, billed["invoice"]["id"]) == "80.0000"
    assert Decimal((await sales.balances())["5110"]) == Decimal("160")

    # lines stored before they named their movement (migration 0012): linked and corrected
    async with engine.begin() as conn:
        await conn.execute(text(f'SET LOCAL search_path TO "{tenant.schema}", shared, public'))
        await conn.execute(
            text("UPDATE sales_document_lines SET stock_movement_id = NULL, cost_amount = 50")
        )
        migration = _line_cost_migration()
        for statement in (
            migration.LINK_MOVED_LINES,
            migration.LINK_BILLED_DELIVERIES,
            migration.FOLLOW_REVALUED_ISSUES,
        ):
            await conn.execute(text(statement))
    shown = (await gql.data(DELIVERY, {"id": delivery["id"]}, tenant.token))["delivery"]
    assert shown["lines"][0]["costAmount"] == "80.0000"
    assert await _cost(sales, billed["invoice"]["id"]) == "80.0000"


def _line_cost_migration() -> Any:
    path = Path(__file__).parents[2] / "db/migrations/tenant/versions/0012_tenant_line_cost.py"
    spec = importlib.util.spec_from_file_location("line_cost", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
