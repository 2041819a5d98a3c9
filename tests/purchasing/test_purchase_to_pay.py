"""End to end: purchase order -> goods receipt -> bill -> payment, asserting what a user sees:
stock levels, journal entries, the supplier's AP balance, AP aging and statements."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import GraphQLClient, TenantHandle
from tests.purchasing.api import (
    AGING,
    BILL_QUERY,
    ORDER_QUERY,
    POST_BILL,
    STATEMENT,
    SUPPLIER_QUERY,
    Purchasing,
)


async def _level(p: Purchasing, product: str, warehouse: str) -> dict[str, Any]:
    levels = await p.inventory.levels(filter={"productId": product, "warehouseId": warehouse})
    edges = levels["edges"]
    assert len(edges) == 1, levels
    return dict(edges[0]["node"])


async def test_order_receive_bill_pay(gql: GraphQLClient, tenant: TenantHandle) -> None:
    p = await Purchasing.open(gql, tenant)
    widget = await p.inventory.product("WIDGET")
    gadget = await p.inventory.product("GADGET")
    store = await p.inventory.warehouse("MAIN")
    acme = await p.supplier("ACME", taxId="C1234567890", paymentTermsDays=30)
    assert acme["balance"]["payable"] == "0.0000"
    assert acme["currencyCode"] == "MYR"

    order = await p.order(
        acme["id"], store["id"], [(widget["id"], "10", "5.00"), (gadget["id"], "4", "25.00")]
    )
    assert order["number"] == "PO-000001"
    assert order["status"] == "OPEN"
    assert order["total"] == "150.0000"
    level = await _level(p, widget["id"], store["id"])
    assert (level["onHand"], level["incoming"]) == ("0.0000", "10.0000")

    # First delivery: 6 widgets and every gadget; stock in at the order's cost, Cr GRNI.
    first = await p.receive(order, ["6", "4"], date="2026-03-05")
    assert first["number"] == "GRN-000001"
    assert [x["value"] for x in first["lines"]] == ["30.0000", "100.0000"]
    level = await _level(p, widget["id"], store["id"])
    assert (level["onHand"], level["incoming"], level["value"]) == (
        "6.0000",
        "4.0000",
        "30.0000",
    )
    reread = (await gql.data(ORDER_QUERY, {"id": order["id"]}, p.token))["purchaseOrder"]
    assert reread["status"] == "PARTIALLY_RECEIVED"
    assert [x["outstandingQuantity"] for x in reread["lines"]] == ["4.0000", "0.0000"]
    balances = await p.balances()
    assert (balances["1300"], balances["2120"]) == ("130.0000", "-130.0000")

    second = await p.receive(reread, ["4", "0"], date="2026-03-06")
    level = await _level(p, widget["id"], store["id"])
    assert (level["onHand"], level["incoming"]) == ("10.0000", "0.0000")
    reread = (await gql.data(ORDER_QUERY, {"id": order["id"]}, p.token))["purchaseOrder"]
    assert reread["status"] == "RECEIVED"

    # The bill: the first receipt's lines (widgets 1% dearer: within the 2% tolerance) and
    # freight with 8% service tax, booked to an expense account.
    bill = await p.bill(
        acme["id"],
        [
            {"receiptLineId": first["lines"][0]["id"], "quantity": "6", "unitPrice": "5.05"},
            {"receiptLineId": first["lines"][1]["id"], "quantity": "4", "unitPrice": "25.00"},
            {
                "accountId": p.books.id("6700"),
                "quantity": "1",
                "unitPrice": "20.00",
                "taxCode": "SVC8",
                "description": "Freight",
            },
        ],
        supplierReference="INV-8841",
    )
    assert bill["status"] == "DRAFT" and bill["number"] is None
    assert (bill["subtotal"], bill["taxTotal"], bill["total"]) == (
        "150.3000",
        "1.6000",
        "151.9000",
    )
    assert bill["dueDate"] == "2026-04-09"  # bill date + 30 days of terms
    posted = (await gql.data(POST_BILL, {"input": {"id": bill["id"]}}, p.token))["postBill"]
    assert posted["errors"] == [], posted
    assert posted["bill"]["number"] == "BILL-000001"
    again = (await gql.data(POST_BILL, {"input": {"id": bill["id"]}}, p.token))["postBill"]
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("INVALID_STATE", "id")]

    read = (await gql.data(BILL_QUERY, {"id": bill["id"]}, p.token))["bill"]
    assert read["supplierName"] == "ACME Trading"
    entry = read["journalEntry"]
    assert entry["status"] == "POSTED"
    booked = {(x["account"]["code"], x["baseDebit"], x["baseCredit"]) for x in entry["lines"]}
    assert booked == {
        ("2120", "130.0000", "0.0000"),
        ("5100", "0.3000", "0.0000"),
        ("6700", "21.6000", "0.0000"),
        ("2100", "0.0000", "151.9000"),
    }
    supplier = (await gql.data(SUPPLIER_QUERY, {"id": acme["id"]}, p.token))["supplier"]
    assert supplier["balance"]["payable"] == "151.9000"
    balances = await p.balances()
    assert (balances["2100"], balances["2120"]) == ("-151.9000", "-20.0000")

    # An older expense-only bill, overdue by the aging date.
    rent = await p.bill(
        acme["id"],
        [{"accountId": p.books.id("6200"), "quantity": "1", "unitPrice": "500.00"}],
        date="2026-01-05",
        post=True,
    )
    assert rent["number"] == "BILL-000002"
    aging = (await gql.data(AGING, {"company": p.company_id, "asOf": "2026-03-15"}, p.token))[
        "apAging"
    ]
    assert aging["currencyCode"] == "MYR"
    assert aging["totals"] == {
        "current": "151.9000",
        "days1To30": "0.0000",
        "days31To60": "500.0000",  # due 2026-02-04: 39 days late
        "days61To90": "0.0000",
        "over90": "0.0000",
        "total": "651.9000",
    }

    # Pay: part of the March bill, then the rest and the rent with more than is owed (advance).
    paid = await p.pay(acme["id"], "100.00", [(bill["id"], "100.00")], date="2026-03-20")
    assert paid["errors"] == [], paid
    assert paid["payment"]["number"] == "PAY-000001"
    read = (await gql.data(BILL_QUERY, {"id": bill["id"]}, p.token))["bill"]
    # Partially paid, and (due 2026-04-09) shown OVERDUE once that day has passed.
    late = read["overdueDays"] > 0
    assert (read["status"], read["outstanding"]) == (
        "OVERDUE" if late else "PARTIALLY_PAID",
        "51.9000",
    )
    paid = await p.pay(
        acme["id"], "580.00", [(bill["id"], "51.90"), (rent["id"], "500.00")], date="2026-03-25"
    )
    assert paid["errors"] == [], paid
    assert paid["payment"]["unallocated"] == "28.1000"
    read = (await gql.data(BILL_QUERY, {"id": bill["id"]}, p.token))["bill"]
    assert (read["status"], read["outstanding"], read["amountPaid"]) == (
        "PAID",
        "0.0000",
        "151.9000",
    )
    assert [x["paymentNumber"] for x in read["payments"]] == ["PAY-000001", "PAY-000002"]

    supplier = (await gql.data(SUPPLIER_QUERY, {"id": acme["id"]}, p.token))["supplier"]
    assert supplier["balance"]["payable"] == "0.0000"
    assert supplier["balance"]["advance"] == "28.1000"
    balances = await p.balances()
    assert balances.get("2100", "0.0000") == "0.0000"
    assert balances["1230"] == "28.1000"
    assert balances["1110"] == "-680.0000"
    assert balances["1300"] == "150.0000"
    assert balances["2120"] == "-20.0000"  # the second delivery is not billed yet

    aging = (await gql.data(AGING, {"company": p.company_id, "asOf": "2026-03-31"}, p.token))[
        "apAging"
    ]
    assert aging["totals"]["total"] == "0.0000" and aging["suppliers"] == []
    # As of a date before the payments, the aging still shows what was owed then.
    aging = (await gql.data(AGING, {"company": p.company_id, "asOf": "2026-03-21"}, p.token))[
        "apAging"
    ]
    assert aging["totals"]["current"] == "51.9000"

    statement = (
        await gql.data(
            STATEMENT, {"supplier": acme["id"], "from": "2026-03-01", "to": "2026-03-31"}, p.token
        )
    )["supplierStatement"]
    assert statement["openingBalance"] == "500.0000"  # the January rent bill
    assert [(x["kind"], x["amount"], x["balance"]) for x in statement["lines"]] == [
        ("BILL", "151.9000", "651.9000"),
        ("PAYMENT", "-100.0000", "551.9000"),
        ("PAYMENT", "-580.0000", "-28.1000"),
    ]
    assert statement["closingBalance"] == "-28.1000"
    assert second["number"] == "GRN-000002"


async def test_every_step_emits_its_event_with_the_company(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    p = await Purchasing.open(gql, tenant)
    widget = await p.inventory.product("WIDGET")
    store = await p.inventory.warehouse("MAIN")
    acme = await p.supplier("ACME")
    order = await p.order(acme["id"], store["id"], [(widget["id"], "3", "1.00")])
    receipt = await p.receive(order, ["3"])
    bill = await p.bill(
        acme["id"],
        [{"receiptLineId": receipt["lines"][0]["id"], "quantity": "3", "unitPrice": "1"}],
        post=True,
    )
    paid = await p.pay(acme["id"], "3", [(bill["id"], "3")])
    assert paid["errors"] == []
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    f'SELECT event_type, envelope FROM "{tenant.schema}".outbox '
                    "WHERE aggregate_type IN ('Supplier', 'PurchaseOrder', 'GoodsReceipt', "
                    "'Bill', 'SupplierPayment') ORDER BY created_at"
                )
            )
        ).all()
    assert sorted(r.event_type for r in rows) == [  # (one transaction: one timestamp)
        "BillCreated",
        "BillPosted",
        "GoodsReceived",
        "PurchaseOrderCreated",
        "SupplierCreated",
        "SupplierPaymentMade",
    ]
    assert {r.envelope["payload"]["companyId"] for r in rows} == {p.company_id}
    posted = next(r.envelope for r in rows if r.event_type == "BillPosted")
    assert (posted["payload"]["number"], posted["payload"]["total"]) == ("BILL-000001", "3.0000")


CANCEL = """
mutation($id: ID!) {
  cancelPurchaseOrder(input: {id: $id}) { purchaseOrder { status } errors { code field } }
}"""
VOID = """
mutation($id: ID!) { voidBill(input: {id: $id}) { bill { status } errors { code field } } }"""


async def test_cancelled_order_expects_nothing_more_and_drafts_can_be_voided(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    p = await Purchasing.open(gql, tenant)
    widget = await p.inventory.product("WIDGET")
    store = await p.inventory.warehouse("MAIN")
    acme = await p.supplier("ACME")
    order = await p.order(acme["id"], store["id"], [(widget["id"], "10", "5.00")])
    receipt = await p.receive(order, ["4"])
    cancelled = await p.call(CANCEL, "cancelPurchaseOrder", {"id": order["id"]})
    assert cancelled == {"purchaseOrder": {"status": "CANCELLED"}, "errors": []}
    level = await _level(p, widget["id"], store["id"])
    assert (level["onHand"], level["incoming"]) == ("4.0000", "0.0000")
    again = await p.call(CANCEL, "cancelPurchaseOrder", {"id": order["id"]})
    assert again["errors"] == [{"code": "INVALID_STATE", "field": "id"}]
    late = await p.call(
        """mutation($input: ReceiveGoodsInput!) {
             receiveGoods(input: $input) { goodsReceipt { id } errors { code field } } }""",
        "receiveGoods",
        {
            "input": {
                "purchaseOrderId": order["id"],
                "receiptDate": "2026-03-06",
                "lines": [{"orderLineId": order["lines"][0]["id"], "quantity": "1"}],
            }
        },
    )
    assert late["errors"] == [{"code": "INVALID_STATE", "field": "purchaseOrderId"}]

    line = [{"receiptLineId": receipt["lines"][0]["id"], "quantity": "4", "unitPrice": "5"}]
    draft = await p.bill(acme["id"], line)
    voided = await p.call(VOID, "voidBill", {"id": draft["id"]})
    assert voided == {"bill": {"status": "VOID"}, "errors": []}
    posted = await p.call(POST_BILL, "postBill", {"input": {"id": draft["id"]}})
    assert [(e["code"], e["field"]) for e in posted["errors"]] == [("INVALID_STATE", "id")]
    real = await p.bill(acme["id"], line, post=True)  # the voided draft billed nothing
    not_a_draft = await p.call(VOID, "voidBill", {"id": real["id"]})
    assert not_a_draft["errors"] == [{"code": "INVALID_STATE", "field": "id"}]
