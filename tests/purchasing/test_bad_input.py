"""Bad input gets a typed error naming the field, and nothing is written: no document, no
stock movement, no journal entry, no balance change, no event."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.accounting.api import period_action
from tests.conftest import GraphQLClient, TenantHandle
from tests.purchasing.api import (
    CONFIGURE,
    CREATE_BILL,
    CREATE_ORDER,
    CREATE_SUPPLIER,
    POST_BILL,
    RECEIVE,
    UPDATE_SUPPLIER,
    Purchasing,
)

WRITTEN = (
    "suppliers",
    "purchase_orders",
    "goods_receipts",
    "bills",
    "supplier_payments",
    "supplier_credits",
    "stock_movements",
    "transactions",
    "outbox",
)


async def _snapshot(engine: AsyncEngine, schema: str) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    async with engine.connect() as conn:
        for table in WRITTEN:
            counts[table] = (
                await conn.execute(text(f'SELECT count(*) FROM "{schema}".{table}'))
            ).scalar_one()
        counts["balances"] = (
            await conn.execute(
                text(f'SELECT payable, advance FROM "{schema}".supplier_balances ORDER BY 1')
            )
        ).all()
        counts["stock"] = (
            await conn.execute(
                text(f'SELECT on_hand, incoming FROM "{schema}".stock_levels ORDER BY 1, 2')
            )
        ).all()
    return counts


def errors(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def test_every_refusal_is_typed_and_writes_nothing(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    p = await Purchasing.open(gql, tenant)
    widget = await p.inventory.product("WIDGET")
    retired = await p.inventory.product("OLD")
    store = await p.inventory.warehouse("MAIN")
    acme = await p.supplier("ACME")
    gone = await p.supplier("GONE")
    turned_off = await p.call(
        UPDATE_SUPPLIER,
        "updateSupplier",
        {"input": {"id": gone["id"], "version": gone["version"], "isActive": False}},
    )
    assert turned_off["supplier"]["isActive"] is False
    other = await Purchasing.open(gql, tenant)  # another company of the same tenant
    theirs = await other.inventory.product("THEIRS")
    order = await p.order(acme["id"], store["id"], [(widget["id"], "10", "5.00")])
    receipt = await p.receive(order, ["10"])
    draft = await p.bill(
        acme["id"],
        [{"receiptLineId": receipt["lines"][0]["id"], "quantity": "4", "unitPrice": "5"}],
    )
    await p.inventory.call(
        """mutation($input: UpdateProductInput!) {
             updateProduct(input: $input) { product { id } errors { code } } }""",
        "updateProduct",
        {"input": {"id": retired["id"], "version": retired["version"], "isActive": False}},
    )
    before = await _snapshot(engine, tenant.schema)

    def order_input(**change: Any) -> dict[str, Any]:
        values = {
            "companyId": p.company_id,
            "supplierId": acme["id"],
            "warehouseId": store["id"],
            "orderDate": "2026-03-01",
            "lines": [{"productId": widget["id"], "quantity": "1", "unitPrice": "5"}],
        }
        values.update(change)
        return {"input": values}

    async def order_errors(**change: Any) -> list[tuple[str, str | None]]:
        return errors(await p.call(CREATE_ORDER, "createPurchaseOrder", order_input(**change)))

    line = {"productId": widget["id"], "quantity": "1", "unitPrice": "5"}
    assert await order_errors(supplierId="00000000-0000-0000-0000-000000000000") == [
        ("NOT_FOUND", "supplierId")
    ]
    assert await order_errors(supplierId=gone["id"]) == [("INVALID_STATE", "supplierId")]
    assert await order_errors(lines=[{**line, "productId": theirs["id"]}]) == [
        ("NOT_FOUND", "lines.0.productId")
    ]
    assert await order_errors(lines=[line, {**line, "productId": retired["id"]}]) == [
        ("INVALID_STATE", "lines.1.productId")
    ]
    assert await order_errors(lines=[{**line, "quantity": "0"}]) == [
        ("INVALID", "lines.0.quantity")
    ]
    assert await order_errors(lines=[{**line, "unitPrice": "-1"}]) == [
        ("INVALID", "lines.0.unitPrice")
    ]
    assert await order_errors(lines=[]) == [("REQUIRED", "lines")]

    # Receiving more than is outstanding.
    over = await p.call(
        RECEIVE,
        "receiveGoods",
        {
            "input": {
                "purchaseOrderId": order["id"],
                "receiptDate": "2026-03-06",
                "lines": [{"orderLineId": order["lines"][0]["id"], "quantity": "1"}],
            }
        },
    )
    assert errors(over) == [("INVALID_STATE", "purchaseOrderId")]  # fully received already

    # Bills beyond the match tolerance (2% on price; none on quantity).
    def bill_errors_input(quantity: str, price: str) -> dict[str, Any]:
        return p.bill_input(
            acme["id"],
            [
                {
                    "receiptLineId": receipt["lines"][0]["id"],
                    "quantity": quantity,
                    "unitPrice": price,
                }
            ],
            post=True,
        )

    beyond_price = await p.call(CREATE_BILL, "createBill", bill_errors_input("1", "5.11"))
    assert errors(beyond_price) == [("INVALID", "lines.0.unitPrice")]
    assert "2%" in beyond_price["errors"][0]["message"]
    beyond_quantity = await p.call(CREATE_BILL, "createBill", bill_errors_input("11", "5"))
    assert errors(beyond_quantity) == [("INVALID", "lines.0.quantity")]
    zero = await p.call(CREATE_BILL, "createBill", bill_errors_input("0", "5"))
    assert errors(zero) == [("INVALID", "lines.0.quantity")]
    negative = await p.call(CREATE_BILL, "createBill", bill_errors_input("1", "-5"))
    assert ("INVALID", "lines.0.unitPrice") in errors(negative)
    inactive = await p.call(
        CREATE_BILL,
        "createBill",
        p.bill_input(
            gone["id"], [{"accountId": p.books.id("6700"), "quantity": "1", "unitPrice": "1"}]
        ),
    )
    assert errors(inactive) == [("INVALID_STATE", "supplierId")]
    foreign_account = await p.call(
        CREATE_BILL,
        "createBill",
        p.bill_input(
            acme["id"], [{"accountId": other.books.id("6700"), "quantity": "1", "unitPrice": "1"}]
        ),
    )
    assert errors(foreign_account) == [("NOT_FOUND", "lines.0.accountId")]
    no_tax = await p.call(
        CREATE_BILL,
        "createBill",
        p.bill_input(
            acme["id"],
            [
                {
                    "accountId": p.books.id("6700"),
                    "quantity": "1",
                    "unitPrice": "1",
                    "taxCode": "VAT",
                }
            ],
        ),
    )
    assert errors(no_tax) == [("NOT_FOUND", "lines.0.taxCode")]

    # The draft took 4 of the 10 received, but only posted bills count as billed: two bills
    # for 6 and 1 post, and then the draft (4) no longer fits when it is posted.
    rest = await p.call(CREATE_BILL, "createBill", bill_errors_input("6", "5"))
    assert rest["errors"] == []
    one_more = await p.call(CREATE_BILL, "createBill", bill_errors_input("1", "5"))
    assert one_more["errors"] == []
    before = await _snapshot(engine, tenant.schema)
    late = await p.call(CREATE_BILL, "createBill", bill_errors_input("4", "5"))
    assert errors(late) == [("INVALID", "lines.0.quantity")]
    assert "only 3 were received and not yet billed" in late["errors"][0]["message"]
    stale_draft = await p.call(POST_BILL, "postBill", {"input": {"id": draft["id"]}})
    assert errors(stale_draft) == [("INVALID", "lines.0.quantity")]

    # Payments: more than a bill's outstanding, allocations above the amount, a draft bill.
    posted_id = rest["bill"]["id"]
    too_much = await p.pay(acme["id"], "100", [(posted_id, "30.01")])
    assert errors(too_much) == [("LIMIT_EXCEEDED", "allocations.0.amount")]
    above_amount = await p.pay(acme["id"], "10", [(posted_id, "20")])
    assert errors(above_amount) == [("LIMIT_EXCEEDED", "allocations")]
    to_draft = await p.pay(acme["id"], "10", [(draft["id"], "10")])
    assert errors(to_draft) == [("INVALID_STATE", "allocations.0.billId")]
    to_nobody = await p.pay(gone["id"], "10", [])
    assert errors(to_nobody) == [("INVALID_STATE", "supplierId")]
    nothing = await p.pay(acme["id"], "0", [])
    assert errors(nothing) == [("INVALID", "amount")]
    posted_again = await p.call(POST_BILL, "postBill", {"input": {"id": posted_id}})
    assert errors(posted_again) == [("INVALID_STATE", "id")]

    # Suppliers: duplicate code, bad currency, other company's settings accounts.
    duplicate = await p.call(
        CREATE_SUPPLIER,
        "createSupplier",
        {"input": {"companyId": p.company_id, "code": "acme", "name": "Again"}},
    )
    assert errors(duplicate) == [("DUPLICATE", "code")]
    bad = await p.call(
        CREATE_SUPPLIER,
        "createSupplier",
        {"input": {"companyId": p.company_id, "code": "X", "name": " ", "currencyCode": "XYZ"}},
    )
    assert sorted(errors(bad)) == [("INVALID", "currencyCode"), ("REQUIRED", "name")]
    settings = await p.call(
        CONFIGURE,
        "configurePurchasing",
        {"input": {"companyId": p.company_id, "payableAccountId": other.books.id("2100")}},
    )
    assert errors(settings) == [("NOT_FOUND", "accounts.payable")]

    assert await _snapshot(engine, tenant.schema) == before


async def test_closed_period_refuses_receipts_bills_and_payments(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    p = await Purchasing.open(gql, tenant)
    widget = await p.inventory.product("WIDGET")
    store = await p.inventory.warehouse("MAIN")
    acme = await p.supplier("ACME")
    order = await p.order(acme["id"], store["id"], [(widget["id"], "10", "5.00")])
    receipt = await p.receive(order, ["5"], date="2026-03-02")
    bill = await p.bill(
        acme["id"],
        [{"receiptLineId": receipt["lines"][0]["id"], "quantity": "5", "unitPrice": "5"}],
        date="2026-03-10",
        post=True,
    )
    march = p.books.period(3)
    closed = await gql.data(period_action("closePeriod"), {"id": march["id"]}, p.token)
    assert closed["closePeriod"]["errors"] == []
    before = await _snapshot(engine, tenant.schema)

    late_receipt = await p.call(
        RECEIVE,
        "receiveGoods",
        {
            "input": {
                "purchaseOrderId": order["id"],
                "receiptDate": "2026-03-15",
                "lines": [{"orderLineId": order["lines"][0]["id"], "quantity": "1"}],
            }
        },
    )
    assert errors(late_receipt) == [("PERIOD_CLOSED", "receiptDate")]
    late_bill = await p.call(
        CREATE_BILL,
        "createBill",
        p.bill_input(
            acme["id"],
            [{"accountId": p.books.id("6300"), "quantity": "1", "unitPrice": "1"}],
            date="2026-03-20",
            post=True,
        ),
    )
    assert errors(late_bill) == [("PERIOD_CLOSED", "billDate")]
    late_payment = await p.pay(acme["id"], "5", [(bill["id"], "5")], date="2026-03-31")
    assert errors(late_payment) == [("PERIOD_CLOSED", "paymentDate")]
    assert await _snapshot(engine, tenant.schema) == before
