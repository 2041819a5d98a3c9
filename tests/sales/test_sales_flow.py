"""The whole sales flow end to end through the API: quotation -> sales order -> delivery ->
invoice -> payment, asserting stock, journal entries, AR, the customer balance and aging."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import text

from tests.conftest import eventually
from tests.sales.api import (
    AGING,
    CREATE_DELIVERY,
    CREATE_ORDER,
    CREATE_QUOTATION,
    CUSTOMER_QUERY,
    STATEMENT,
    Sales,
)


def _entry(invoice: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        line["account"]["code"]: (line["debit"], line["credit"])
        for line in invoice["journalEntry"]["lines"]
    }


async def test_quote_to_cash(gql, make_tenant, celery_worker, engine) -> None:  # type: ignore[no-untyped-def]
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    inventory = sales.inventory
    widget = await inventory.product("W-1", sellingPrice="100.00")
    warehouse = await inventory.warehouse("KL")
    stocked = await inventory.adjust(
        widget["id"], warehouse["id"], delta="10", unitCost="40", occurredOn="2026-03-01"
    )
    assert stocked["errors"] == [], stocked
    customer = await sales.customer("ACME", taxId="C20880050010", creditLimit="10000")

    quotation = await sales.call(
        CREATE_QUOTATION,
        "createQuotation",
        {
            "input": {
                "customerId": customer["id"],
                "issueDate": "2026-03-02",
                "items": [
                    {"productId": widget["id"], "quantity": "3", "taxCode": "SST10"},
                    {
                        "description": "Installation",
                        "quantity": "1",
                        "unitPrice": "50",
                        "taxCode": "SVC8",
                    },
                ],
            }
        },
    )
    assert quotation["errors"] == [], quotation
    quote = quotation["document"]
    assert quote["number"] == "QT-000001" and quote["status"] == "OPEN"
    assert quote["total"] == "384.0000"  # 300 + 10 % + 50 + 8 %

    order = await sales.call(
        CREATE_ORDER,
        "createSalesOrder",
        {
            "input": {
                "quotationId": quote["id"],
                "warehouseId": warehouse["id"],
                "issueDate": "2026-03-03",
            }
        },
    )
    assert order["errors"] == [], order
    assert order["document"]["number"] == "SO-000001"
    levels = await inventory.levels()
    level = levels["edges"][0]["node"]
    assert (Decimal(level["onHand"]), Decimal(level["reserved"])) == (10, 3)

    delivery = await sales.call(
        CREATE_DELIVERY,
        "createDelivery",
        {"input": {"salesOrderId": order["document"]["id"], "deliveryDate": "2026-03-04"}},
    )
    assert delivery["errors"] == [], delivery
    assert delivery["document"]["number"] == "DO-000001"
    assert delivery["document"]["lines"][0]["costAmount"] == "120.0000"
    level = (await inventory.levels())["edges"][0]["node"]
    assert (Decimal(level["onHand"]), Decimal(level["reserved"])) == (7, 0)

    draft = await sales.invoice(
        customer["id"],
        [],
        deliveryId=delivery["document"]["id"],
        issueDate="2026-03-05",
        dueDate="2030-01-31",  # not overdue whenever this runs
    )
    assert draft["errors"] == [], draft
    assert draft["invoice"]["status"] == "DRAFT" and draft["invoice"]["invoiceNumber"] is None
    posted = await sales.post(draft["invoice"]["id"])
    assert posted["errors"] == [], posted
    invoice = posted["invoice"]
    assert invoice["invoiceNumber"] == "INV-000001"
    assert invoice["total"] == "384.0000" and invoice["amountDue"] == "384.0000"
    level = (await inventory.levels())["edges"][0]["node"]
    assert Decimal(level["onHand"]) == 7  # the delivery moved the goods, the invoice does not

    again = await sales.post(invoice["id"])
    assert again["errors"][0]["code"] == "INVALID_STATE"

    full = await sales.get_invoice(invoice["id"])
    assert full is not None
    assert _entry(full) == {
        "1200": ("384.0000", "0.0000"),
        "4100": ("0.0000", "300.0000"),
        "4110": ("0.0000", "50.0000"),
        "2200": ("0.0000", "34.0000"),
    }

    part = await sales.pay(
        customer["id"], "200", [(invoice["id"], "200")], paymentDate="2026-03-10"
    )
    assert part["errors"] == [], part
    assert part["payment"]["number"] == "OR-000001"
    assert (await sales.get_invoice(invoice["id"]))["status"] == "PARTIALLY_PAID"  # type: ignore[index]

    rest = await sales.pay(
        customer["id"], "200", [(invoice["id"], "184")], paymentDate="2026-03-11"
    )
    assert rest["errors"] == [], rest
    assert rest["payment"]["unallocatedAmount"] == "16.0000"
    paid = await sales.get_invoice(invoice["id"])
    assert paid is not None and paid["status"] == "PAID" and paid["amountDue"] == "0.0000"
    assert [p["amount"] for p in paid["payments"]] == ["200.0000", "184.0000"]

    books = await sales.balances()
    assert books["1200"] == "0.0000"  # nothing owed
    assert books["2130"] == "-16.0000"  # the over-payment is an advance
    assert books["1110"] == "400.0000"
    assert books["1300"] == "280.0000"  # 10 x 40 in, 3 x 40 out
    assert books["5110"] == "120.0000"  # COGS
    assert books["4100"] == "-300.0000" and books["4110"] == "-50.0000"
    assert books["2200"] == "-34.0000"

    async def settled() -> dict[str, Any] | None:
        data = await gql.data(CUSTOMER_QUERY, {"id": customer["id"]}, sales.token)
        balance = data["customer"]["balance"]
        return (
            balance
            if balance["advance"] == "16.0000" and balance["receivable"] == "0.0000"
            else None
        )

    balance = await eventually(settled, timeout=20)
    assert balance is not None, "the customer balance handler did not catch up"
    assert balance["net"] == "-16.0000"

    async def aged(as_of: str) -> str:
        data = await sales.call(AGING, "arAging", {"company": sales.company_id, "asOf": as_of})
        return str(data["totals"]["total"])

    # Aging as of a past date is that date's: before the invoice, before and between payments.
    assert [await aged(d) for d in ("2026-03-04", "2026-03-09", "2026-03-10", "2026-06-30")] == [
        "0.0000",
        "384.0000",
        "184.0000",
        "0.0000",  # paid in full
    ]
    statement = await sales.call(
        STATEMENT,
        "customerStatement",
        {"customer": customer["id"], "from": "2026-03-01", "to": "2026-03-31"},
    )
    assert [(x["kind"], x["balance"]) for x in statement["lines"]] == [
        ("invoice", "384.0000"),
        ("receipt", "184.0000"),
        ("receipt", "-16.0000"),
    ]
    async with engine.connect() as conn:
        moved = (
            await conn.execute(text(f'SELECT count(*) FROM "{tenant.schema}".customer_balances'))
        ).scalar_one()
    assert moved == 1


async def test_direct_invoice_issues_stock_with_cogs(gql, make_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    inventory = sales.inventory
    widget = await inventory.product("W-2", sellingPrice="25.00")
    service = await inventory.product("SVC", sellingPrice="80", isStocked=False)
    warehouse = await inventory.warehouse("PG")
    await inventory.adjust(
        widget["id"], warehouse["id"], delta="5", unitCost="10", occurredOn="2026-02-01"
    )
    customer = await sales.customer()
    invoice = await sales.posted_invoice(
        customer["id"],
        [
            {
                "productId": widget["id"],
                "quantity": "4",
                "taxCode": "SST5",
                "discountPercent": "10",
            },
            {"productId": service["id"], "quantity": "1", "taxCode": "SVC6"},
        ],
        warehouseId=warehouse["id"],
        issueDate="2026-02-10",
    )
    # 4 x 25 = 100 less 10 % = 90 (+5 % = 4.50); service 80 (+6 % = 4.80)
    assert (invoice["subtotal"], invoice["taxTotal"], invoice["total"]) == (
        "170.0000",
        "9.3000",
        "179.3000",
    )
    assert invoice["lines"][0]["costAmount"] == "40.0000"
    level = (await inventory.levels())["edges"][0]["node"]
    assert Decimal(level["onHand"]) == 1
    books = await sales.balances()
    assert books["1200"] == "179.3000"
    assert books["4100"] == "-90.0000" and books["4110"] == "-80.0000"
    assert books["5110"] == "40.0000" and books["1300"] == "10.0000"
    assert Decimal(books["2200"]) == Decimal("-9.3")
