"""Foreign-currency purchasing (rates on the document dates, realized FX on payment) and
supplier credits with goods sent back."""

from __future__ import annotations

from tests.conftest import GraphQLClient, TenantHandle
from tests.purchasing.api import BILL_QUERY, CREDIT, SUPPLIER_QUERY, Purchasing

APPLY = """
mutation($input: ApplySupplierAdvanceInput!) {
  applySupplierAdvance(input: $input) {
    payment { number kind amount realizedFx } errors { code message field }
  }
}"""
SET_RATE = """
mutation($input: SetExchangeRateInput!) {
  setExchangeRate(input: $input) { exchangeRate { rate } errors { code message field } }
}"""


async def test_foreign_bill_paid_at_other_rates_books_realized_fx(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    p = await Purchasing.open(gql, tenant)
    for day, rate in (
        ("2026-03-01", "4.50"),
        ("2026-03-10", "4.40"),
        ("2026-03-20", "4.60"),
        ("2026-03-25", "4.30"),
        ("2026-03-27", "4.40"),
    ):
        set_rate = await p.call(
            SET_RATE,
            "setExchangeRate",
            {"input": {"companyId": p.company_id, "currency": "USD", "date": day, "rate": rate}},
        )
        assert set_rate["errors"] == [], set_rate
    widget = await p.inventory.product("WIDGET")
    store = await p.inventory.warehouse("MAIN")
    pacific = await p.supplier("PACIFIC", currencyCode="USD")
    order = await p.order(pacific["id"], store["id"], [(widget["id"], "10", "2.00")])
    assert order["currencyCode"] == "USD"
    receipt = await p.receive(order, ["10"], date="2026-03-05")
    assert receipt["exchangeRate"] == "4.5"
    assert (receipt["lines"][0]["unitCost"], receipt["lines"][0]["value"]) == (
        "9.0000",
        "90.0000",
    )

    missing = await p.call(
        """mutation($input: CreateBillInput!) {
             createBill(input: $input) { bill { id } errors { code field } } }""",
        "createBill",
        p.bill_input(
            pacific["id"],
            [{"receiptLineId": receipt["lines"][0]["id"], "quantity": "1", "unitPrice": "2"}],
            date="2026-02-01",
            post=True,
        ),
    )
    assert [(e["code"], e["field"]) for e in missing["errors"]] == [("MISSING_RATE", "billDate")]

    bill = await p.bill(
        pacific["id"],
        [{"receiptLineId": receipt["lines"][0]["id"], "quantity": "10", "unitPrice": "2.00"}],
        post=True,
    )
    assert (bill["exchangeRate"], bill["total"], bill["baseTotal"]) == ("4.4", "20.0000", "88.0000")
    read = (await gql.data(BILL_QUERY, {"id": bill["id"]}, p.token))["bill"]
    booked = {
        (x["account"]["code"], x["debit"], x["credit"], x["baseDebit"], x["baseCredit"])
        for x in read["journalEntry"]["lines"]
    }
    assert booked == {
        ("2120", "90.0000", "0.0000", "90.0000", "0.0000"),  # GRNI at the receipt's rate
        ("5100", "0.0000", "2.0000", "0.0000", "2.0000"),  # the rate moved before the bill
        ("2100", "0.0000", "20.0000", "0.0000", "88.0000"),  # 20 USD at 4.40
    }

    loss = await p.pay(pacific["id"], "15", [(bill["id"], "15")], date="2026-03-20")
    assert loss["errors"] == [], loss
    assert loss["payment"]["realizedFx"] == "3.0000"  # paid 69.00 for 66.00 of AP
    gain = await p.pay(pacific["id"], "10", [(bill["id"], "5")], date="2026-03-25")
    assert gain["errors"] == [], gain
    assert gain["payment"]["realizedFx"] == "-0.5000"  # paid 21.50 for 22.00 of AP
    assert gain["payment"]["unallocated"] == "5.0000"

    balances = await p.balances()
    assert balances.get("2100", "0.0000") == "0.0000"
    assert balances.get("2120", "0.0000") == "0.0000"
    assert balances["6800"] == "3.0000"
    assert balances["4920"] == "-0.5000"
    assert balances["1230"] == "21.5000"  # 5 USD ahead at 4.30
    assert balances["1110"] == "-112.0000"
    assert balances["1300"] == "90.0000"
    supplier = (await gql.data(SUPPLIER_QUERY, {"id": pacific["id"]}, p.token))["supplier"]
    assert supplier["balance"] == {
        "currencyCode": "USD",
        "payable": "0.0000",
        "basePayable": "0.0000",
        "advance": "5.0000",
        "baseAdvance": "21.5000",
    }

    # The advance settles half of a later bill: it leaves 1230 at 4.30, clears AP at 4.40.
    later = await p.bill(
        pacific["id"],
        [{"accountId": p.books.id("6300"), "quantity": "1", "unitPrice": "10"}],
        date="2026-03-27",
        post=True,
    )
    applied = await p.call(
        APPLY,
        "applySupplierAdvance",
        {"input": {"billId": later["id"], "amount": "5", "date": "2026-03-28"}},
    )
    assert applied["errors"] == [], applied
    assert (applied["payment"]["kind"], applied["payment"]["realizedFx"]) == (
        "ADVANCE_APPLIED",
        "-0.5000",
    )
    none_left = await p.call(
        APPLY,
        "applySupplierAdvance",
        {"input": {"billId": later["id"], "amount": "1", "date": "2026-03-28"}},
    )
    assert [(e["code"], e["field"]) for e in none_left["errors"]] == [("LIMIT_EXCEEDED", "amount")]
    balances = await p.balances()
    assert balances.get("1230", "0.0000") == "0.0000"
    assert balances["4920"] == "-1.0000"
    assert balances["2100"] == "-22.0000"  # 5 USD still owed at the bill's 4.40
    supplier = (await gql.data(SUPPLIER_QUERY, {"id": pacific["id"]}, p.token))["supplier"]
    assert supplier["balance"] == {
        "currencyCode": "USD",
        "payable": "5.0000",
        "basePayable": "22.0000",
        "advance": "0.0000",
        "baseAdvance": "0.0000",
    }


async def test_supplier_credit_with_goods_sent_back(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    p = await Purchasing.open(gql, tenant)
    widget = await p.inventory.product("WIDGET")
    store = await p.inventory.warehouse("MAIN")
    acme = await p.supplier("ACME")
    order = await p.order(acme["id"], store["id"], [(widget["id"], "10", "5.00")])
    receipt = await p.receive(order, ["10"])
    bill = await p.bill(
        acme["id"],
        [
            {
                "receiptLineId": receipt["lines"][0]["id"],
                "quantity": "10",
                "unitPrice": "5.00",
                "taxCode": "SST10",
            }
        ],
        post=True,
    )
    assert bill["total"] == "55.0000"
    line = bill["lines"][0]["id"]

    def credit(quantity: str) -> dict[str, object]:
        return {
            "input": {
                "billId": bill["id"],
                "creditDate": "2026-03-12",
                "reason": "Damaged",
                "lines": [{"billLineId": line, "quantity": quantity, "returnStock": True}],
            }
        }

    issued = await p.call(CREDIT, "issueSupplierCredit", credit("2"))
    assert issued["errors"] == [], issued
    assert issued["credit"]["number"] == "SC-000001"
    assert issued["credit"]["total"] == "11.0000"  # 2 x 5.00 + 10% tax
    levels = await p.inventory.levels(filter={"productId": widget["id"]})
    assert levels["edges"][0]["node"]["onHand"] == "8.0000"
    read = (await gql.data(BILL_QUERY, {"id": bill["id"]}, p.token))["bill"]
    assert (read["amountCredited"], read["outstanding"]) == ("11.0000", "44.0000")
    supplier = (await gql.data(SUPPLIER_QUERY, {"id": acme["id"]}, p.token))["supplier"]
    assert supplier["balance"]["payable"] == "44.0000"
    balances = await p.balances()
    assert balances["2100"] == "-44.0000"
    assert balances["1300"] == "40.0000"
    assert balances["5100"] == "4.0000"  # tax 5 as cost, returned at cost 10, credited 11

    too_many = await p.call(CREDIT, "issueSupplierCredit", credit("9"))
    assert [(e["code"], e["field"]) for e in too_many["errors"]] == [
        ("LIMIT_EXCEEDED", "lines.0.quantity")
    ]
    # Goods no longer in stock cannot go back: the error names the credit's own line.
    counted = await p.inventory.adjust(widget["id"], store["id"], countedQuantity="0")
    assert counted["errors"] == [], counted
    gone = await p.call(
        CREDIT,
        "issueSupplierCredit",
        {
            "input": {
                "billId": bill["id"],
                "creditDate": "2026-03-12",
                "lines": [
                    {"billLineId": line, "quantity": "1"},
                    {"billLineId": line, "quantity": "1", "returnStock": True},
                ],
            }
        },
    )
    assert [e["field"] for e in gone["errors"]] == ["lines.1.quantity"], gone
    paid = await p.pay(acme["id"], "44", [(bill["id"], "44")])
    assert paid["errors"] == []
    read = (await gql.data(BILL_QUERY, {"id": bill["id"]}, p.token))["bill"]
    assert (read["status"], read["outstanding"]) == ("PAID", "0.0000")


async def test_bills_round_tax_by_the_companys_rule_like_invoices(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    """The company's tax rounding (setTaxRounding) holds for what it buys as for what it sells:
    0.75 at 6 % is 0.045 of tax — 0.05 half-up (the default), 0.04 half-even."""
    p = await Purchasing.open(gql, tenant)
    supplier = await p.supplier()
    stamp = {"accountId": p.books.id("6200"), "quantity": "1", "unitPrice": "0.75",
             "taxCode": "SVC6"}  # fmt: skip
    default = await p.bill(supplier["id"], [stamp, stamp])
    assert default["taxTotal"] == "0.1000"  # per line: 0.05 + 0.05
    rounding = await p.call(
        "mutation($input: SetTaxRoundingInput!) { setTaxRounding(input: $input) { rounding } }",
        "setTaxRounding",
        {"input": {"companyId": p.company_id, "rounding": "HALF_EVEN"}},
    )
    assert rounding == {"rounding": "HALF_EVEN"}
    even = await p.bill(supplier["id"], [stamp, stamp])
    assert even["taxTotal"] == "0.0800"
