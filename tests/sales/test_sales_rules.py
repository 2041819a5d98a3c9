"""Sales rules through the API: typed errors with nothing written, credit and debit notes, FX
settlement, refunds, voids, overdue status, customers and tax codes."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from tests.accounting.api import invite
from tests.conftest import eventually
from tests.sales.api import (
    AGING,
    ALLOCATE_PAYMENT,
    CREATE_CREDIT_NOTE,
    CREATE_DEBIT_NOTE,
    CUSTOMER_QUERY,
    CUSTOMERS,
    INVOICES,
    REFUND_PAYMENT,
    TAX_CODES,
    UPDATE_CUSTOMER,
    VOID_INVOICE,
    Sales,
)

CREATE_CUSTOMER_ERRORS = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } errors { code field } }
}"""
SET_RATE = """
mutation($input: SetExchangeRateInput!) {
  setExchangeRate(input: $input) { errors { code message field } }
}"""


async def _rows(engine, schema: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    tables = (
        "sales_documents",
        "customer_payments",
        "payment_allocations",
        "transactions",
        "outbox",
    )
    async with engine.connect() as conn:
        return {
            t: int((await conn.execute(text(f'SELECT count(*) FROM "{schema}".{t}'))).scalar_one())
            for t in tables
        }


async def _stocked(sales: Sales, quantity: str = "10", cost: str = "40") -> tuple[str, str]:
    product = await sales.inventory.product(f"P-{quantity}-{cost}", sellingPrice="100")
    warehouse = await sales.inventory.warehouse(f"W{quantity}{cost}")
    done = await sales.inventory.adjust(
        product["id"], warehouse["id"], delta=quantity, unitCost=cost, occurredOn="2026-01-05"
    )
    assert done["errors"] == [], done
    return product["id"], warehouse["id"]


def _fields(payload: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["code"], e["field"]) for e in payload["errors"]}


async def test_bad_invoice_input_is_refused_with_typed_errors_and_nothing_written(
    gql,
    make_tenant,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    product, warehouse = await _stocked(sales)
    customer = await sales.customer()
    other = await Sales.open(gql, tenant)  # a second company of the same tenant
    foreign_product = await other.inventory.product("THEIRS", sellingPrice="5")
    before = await _rows(engine, tenant.schema)

    payload = await sales.invoice(
        customer["id"],
        [
            {"productId": product, "quantity": "0"},
            {"productId": foreign_product["id"], "quantity": "1"},
            {"description": "Consulting", "quantity": "1", "unitPrice": "-5"},
            {"description": "Consulting", "quantity": "1", "unitPrice": "5", "taxCode": "VAT"},
            {"productId": product, "quantity": "1"},  # stocked, no warehouse anywhere
        ],
        issueDate="2026-02-01",
    )
    assert payload["invoice"] is None
    assert _fields(payload) == {
        ("INVALID", "items.0.quantity"),
        ("NOT_FOUND", "items.1.productId"),
        ("INVALID", "items.2.unitPrice"),
        ("INVALID", "items.3.taxCode"),
        ("REQUIRED", "items.4.warehouseId"),
        ("REQUIRED", "items.0.warehouseId"),  # every problem at once
    }
    unknown = await sales.invoice(
        "00000000-0000-0000-0000-000000000000",
        [{"description": "x", "quantity": "1", "unitPrice": "1"}],
    )
    assert _fields(unknown) == {("NOT_FOUND", "customerId")}

    inactive = await sales.customer("GONE")
    changed = await sales.call(
        UPDATE_CUSTOMER,
        "updateCustomer",
        {"input": {"id": inactive["id"], "version": 1, "isActive": False}},
    )
    assert changed["errors"] == [] and changed["customer"]["isActive"] is False
    refused = await sales.invoice(
        inactive["id"], [{"description": "x", "quantity": "1", "unitPrice": "1"}]
    )
    assert _fields(refused) == {("INVALID", "customerId")}

    before = await _rows(engine, tenant.schema)
    short = await sales.invoice(
        customer["id"],
        [{"productId": product, "quantity": "11"}],
        warehouseId=warehouse,
        issueDate="2026-02-01",
        post=True,
    )
    assert short["invoice"] is None and short["errors"][0]["field"] == "items.0.quantity", short
    assert await _rows(engine, tenant.schema) == before  # nothing of any attempt was written


async def test_posting_twice_over_allocation_and_credit_limit(
    gql,
    make_tenant,
    engine,
    celery_worker,  # type: ignore[no-untyped-def]
) -> None:  # type: ignore[no-untyped-def]
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    customer = await sales.customer(creditLimit="1000")
    first = await sales.posted_invoice(
        customer["id"],
        [{"description": "Audit", "quantity": "1", "unitPrice": "600"}],
        issueDate="2026-04-01",
        dueDate="2030-01-01",
    )
    assert first["invoiceNumber"] == "INV-000001" and first["status"] == "POSTED"
    twice = await sales.post(first["id"])
    assert _fields(twice) == {("INVALID_STATE", "id")}

    before = await _rows(engine, tenant.schema)
    over = await sales.pay(customer["id"], "700", [(first["id"], "650")], paymentDate="2026-04-02")
    assert _fields(over) == {("INVALID", "allocations.0.amount")}
    beyond = await sales.pay(
        customer["id"], "100", [(first["id"], "200")], paymentDate="2026-04-02"
    )
    assert ("INVALID", "allocations") in _fields(beyond)
    assert await _rows(engine, tenant.schema) == before

    # The credit limit reads the customer balance the event handler maintains.
    async def owing() -> bool:
        data = await gql.data(CUSTOMER_QUERY, {"id": customer["id"]}, sales.token)
        return bool(data["customer"]["balance"]["receivable"] == "600.0000")

    assert await eventually(owing, timeout=20)
    draft = await sales.invoice(
        customer["id"],
        [{"description": "More audit", "quantity": "1", "unitPrice": "500"}],
        issueDate="2026-04-03",
    )
    refused = await sales.post(draft["invoice"]["id"])
    assert _fields(refused) == {("LIMIT_EXCEEDED", "customerId")}
    small = await sales.invoice(
        customer["id"],
        [{"description": "Small", "quantity": "1", "unitPrice": "300"}],
        issueDate="2026-04-03",
        post=True,
    )
    assert small["errors"] == [] and small["invoice"]["invoiceNumber"] == "INV-000002"


async def test_the_credit_limit_holds_for_postings_back_to_back(gql, make_tenant) -> None:  # type: ignore[no-untyped-def]
    """The customer balance is written with each posting (an IN_TRANSACTION effect), so the next
    posting's credit-limit check sees it at once, with no event handler to wait for."""
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    customer = await sales.customer(creditLimit="1000")
    for n in range(3):  # 300, 600, 900 owed
        posted = await sales.invoice(
            customer["id"],
            [{"description": f"Part {n}", "quantity": "1", "unitPrice": "300"}],
            issueDate="2026-04-01",
            post=True,
        )
        assert posted["errors"] == [], posted
    over = await sales.invoice(
        customer["id"],
        [{"description": "One too many", "quantity": "1", "unitPrice": "300"}],
        issueDate="2026-04-01",
        post=True,
    )
    assert _fields(over) == {("LIMIT_EXCEEDED", "customerId")}
    data = await gql.data(CUSTOMER_QUERY, {"id": customer["id"]}, sales.token)
    assert data["customer"]["balance"]["receivable"] == "900.0000"


async def test_the_credit_limit_holds_for_postings_at_the_same_moment(gql, make_tenant) -> None:  # type: ignore[no-untyped-def]
    """Four postings for one customer at once, room for two under its limit: exactly two pass."""
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    customer = await sales.customer(creditLimit="1000")

    async def post(n: int) -> dict[str, Any]:
        return await sales.invoice(
            customer["id"],
            [{"description": f"Rush {n}", "quantity": "1", "unitPrice": "400"}],
            issueDate="2026-04-01",
            post=True,
        )

    results = await asyncio.gather(*(post(n) for n in range(4)))
    passed = [r for r in results if r["errors"] == []]
    refused = [r for r in results if r["errors"]]
    assert len(passed) == 2, results
    assert all(_fields(r) == {("LIMIT_EXCEEDED", "customerId")} for r in refused), refused
    data = await gql.data(CUSTOMER_QUERY, {"id": customer["id"]}, sales.token)
    assert data["customer"]["balance"]["receivable"] == "800.0000"


async def test_credit_note_returns_stock_and_cannot_exceed_the_invoice(gql, make_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    product, warehouse = await _stocked(sales, "10", "40")
    customer = await sales.customer()
    invoice = await sales.posted_invoice(
        customer["id"],
        [{"productId": product, "quantity": "5", "taxCode": "SST10"}],
        warehouseId=warehouse,
        issueDate="2026-05-01",
        dueDate="2030-01-01",
    )
    assert invoice["total"] == "550.0000"
    too_much = await sales.call(
        CREATE_CREDIT_NOTE,
        "createCreditNote",
        {"input": {"invoiceId": invoice["id"], "lines": [{"lineNumber": 1, "quantity": "6"}]}},
    )
    assert _fields(too_much) == {("INVALID", "lines.0.quantity")}

    paid = await sales.pay(
        customer["id"], "330", [(invoice["id"], "330")], paymentDate="2026-05-02"
    )
    assert paid["errors"] == []
    note = await sales.call(
        CREATE_CREDIT_NOTE,
        "createCreditNote",
        {
            "input": {
                "invoiceId": invoice["id"],
                "lines": [{"lineNumber": 1, "quantity": "2"}],
                "issueDate": "2026-05-03",
                "reason": "Damaged",
            }
        },
    )
    assert note["errors"] == [], note
    credit = note["invoice"]
    assert (credit["kind"], credit["invoiceNumber"], credit["total"]) == (
        "CREDIT_NOTE",
        "CN-000001",
        "220.0000",
    )
    after = await sales.get_invoice(invoice["id"])
    assert after is not None and after["status"] == "PAID"  # 330 paid + 220 credited
    assert Decimal((await sales.inventory.levels())["edges"][0]["node"]["onHand"]) == 7
    books = await sales.balances()
    assert books["1200"] == "0.0000"
    assert books["4120"] == "200.0000"  # returns
    assert books["2200"] == "-30.0000"  # 50 charged, 20 reversed
    assert books["5110"] == "120.0000"  # 200 out, 80 back
    assert books["1300"] == "280.0000"

    for as_of, open_ in (("2026-05-02", "220.0000"), ("2026-05-03", "0.0000")):
        aging = await sales.call(AGING, "arAging", {"company": sales.company_id, "asOf": as_of})
        assert aging["totals"]["total"] == open_, as_of

    rest = await sales.call(
        CREATE_CREDIT_NOTE,
        "createCreditNote",
        {"input": {"invoiceId": invoice["id"], "lines": [{"lineNumber": 1, "quantity": "4"}]}},
    )
    assert _fields(rest) == {("INVALID", "lines.0.quantity")}  # only 3 left to credit

    # Crediting a paid invoice: the customer's credit becomes an advance, refundable.
    more = await sales.call(
        CREATE_CREDIT_NOTE,
        "createCreditNote",
        {
            "input": {
                "invoiceId": invoice["id"],
                "lines": [{"lineNumber": 1, "quantity": "1"}],
                "returnStock": False,
                "issueDate": "2026-05-04",
            }
        },
    )
    assert more["errors"] == [], more
    books = await sales.balances()
    assert books["2130"] == "-110.0000" and books["1200"] == "0.0000"


async def test_debit_note_advance_allocation_and_refund(gql, make_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    customer = await sales.customer()
    advance = await sales.pay(customer["id"], "500", paymentDate="2026-06-01")
    assert advance["errors"] == [] and advance["payment"]["unallocatedAmount"] == "500.0000"
    invoice = await sales.posted_invoice(
        customer["id"],
        [{"description": "Design", "quantity": "2", "unitPrice": "100", "taxCode": "SVC8"}],
        issueDate="2026-06-02",
        dueDate="2030-01-01",
    )
    debit = await sales.call(
        CREATE_DEBIT_NOTE,
        "createDebitNote",
        {
            "input": {
                "invoiceId": invoice["id"],
                "items": [{"description": "Late delivery fee", "quantity": "1", "unitPrice": "20"}],
                "issueDate": "2026-06-03",
            }
        },
    )
    assert debit["errors"] == [], debit
    assert (debit["invoice"]["kind"], debit["invoice"]["invoiceNumber"]) == (
        "DEBIT_NOTE",
        "DN-000001",
    )
    applied = await sales.call(
        ALLOCATE_PAYMENT,
        "allocatePayment",
        {
            "input": {
                "paymentId": advance["payment"]["id"],
                "allocations": [
                    {"invoiceId": invoice["id"], "amount": "216"},
                    {"invoiceId": debit["invoice"]["id"], "amount": "20"},
                ],
                "allocationDate": "2026-06-04",
            }
        },
    )
    assert applied["errors"] == [], applied
    assert applied["payment"]["unallocatedAmount"] == "264.0000"
    too_much = await sales.call(
        REFUND_PAYMENT,
        "refundPayment",
        {"input": {"paymentId": advance["payment"]["id"], "amount": "265"}},
    )
    assert _fields(too_much) == {("INVALID", "amount")}
    refund = await sales.call(
        REFUND_PAYMENT,
        "refundPayment",
        {
            "input": {
                "paymentId": advance["payment"]["id"],
                "amount": "64",
                "refundDate": "2026-06-05",
            }
        },
    )
    assert refund["errors"] == [], refund
    assert (refund["payment"]["kind"], refund["payment"]["number"]) == ("REFUND", "RF-000001")
    books = await sales.balances()
    assert books["1200"] == "0.0000"
    assert books["2130"] == "-200.0000"
    assert books["1110"] == "436.0000"


async def test_foreign_currency_invoice_realizes_fx_on_payment(gql, make_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    customer = await sales.customer("SG", currencyCode="USD")
    missing = await sales.invoice(
        customer["id"],
        [{"description": "Export", "quantity": "1", "unitPrice": "1000"}],
        issueDate="2026-07-01",
    )
    assert _fields(missing) == {("MISSING_RATE", "issueDate")}
    for day, rate in (("2026-07-01", "4.5000"), ("2026-08-01", "4.4000")):
        done = await gql.data(
            SET_RATE,
            {
                "input": {
                    "companyId": sales.company_id,
                    "currency": "USD",
                    "date": day,
                    "rate": rate,
                }
            },
            sales.token,
        )
        assert done["setExchangeRate"]["errors"] == [], done
    invoice = await sales.posted_invoice(
        customer["id"],
        [{"description": "Export", "quantity": "1", "unitPrice": "1000"}],
        issueDate="2026-07-01",
        dueDate="2030-01-01",
    )
    assert invoice["currencyCode"] == "USD" and invoice["baseTotal"] == "4500.0000"
    paid = await sales.pay(
        customer["id"], "1000", [(invoice["id"], "1000")], paymentDate="2026-08-01"
    )
    assert paid["errors"] == [], paid
    assert paid["payment"]["allocations"][0]["fxDifference"] == "-100.0000"
    books = await sales.balances()
    assert books["1200"] == "0.0000"
    assert books["6800"] == "100.0000"  # realized loss: 1000 USD booked at 4.5, received at 4.4
    assert books["1110"] == "4400.0000"

    # An advance applied to two invoices at once, amounts that round at both rates.
    advance = await sales.pay(customer["id"], "100.01", paymentDate="2026-08-01")
    assert advance["errors"] == [], advance
    small = [
        await sales.posted_invoice(
            customer["id"],
            [{"description": "Part", "quantity": "1", "unitPrice": price}],
            issueDate="2026-07-01",
            dueDate="2030-01-01",
        )
        for price in ("33.33", "33.35")
    ]
    applied = await sales.call(
        ALLOCATE_PAYMENT,
        "allocatePayment",
        {
            "input": {
                "paymentId": advance["payment"]["id"],
                "allocations": [{"invoiceId": i["id"], "amount": i["total"]} for i in small],
                "allocationDate": "2026-08-02",
            }
        },
    )
    assert applied["errors"] == [], applied
    books = await sales.balances()
    assert books["1200"] == "0.0000"
    # 66.68 USD released from the advance at 4.4 (293.39, whole sen) against 149.99 + 150.08
    # booked at 4.5
    assert books["6800"] == "106.6800"
    assert books["2130"] == "-146.6500"  # 100.01 USD in at 4.4 (440.04) less the 293.39 released


async def test_void_overdue_and_invoice_list_filters(gql, make_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    customer = await sales.customer()
    other = await sales.customer("C002")
    late = await sales.posted_invoice(
        customer["id"],
        [{"description": "Old work", "quantity": "1", "unitPrice": "100"}],
        issueDate="2026-01-10",
        dueDate="2026-01-20",
    )
    assert late["status"] == "OVERDUE" and late["overdueDays"] > 300
    current = await sales.posted_invoice(
        other["id"],
        [{"description": "New work", "quantity": "1", "unitPrice": "50"}],
        issueDate="2026-02-10",
        dueDate="2030-01-20",
    )
    draft = await sales.invoice(
        customer["id"],
        [{"description": "Maybe", "quantity": "1", "unitPrice": "1"}],
        issueDate="2026-02-11",
    )
    voided = await sales.call(VOID_INVOICE, "voidInvoice", {"id": draft["invoice"]["id"]})
    assert voided["errors"] == [] and voided["invoice"]["status"] == "VOID"
    again = await sales.call(VOID_INVOICE, "voidInvoice", {"id": late["id"]})
    assert _fields(again) == {("INVALID_STATE", "id")}

    async def listed(**variables: Any) -> list[str]:
        data = await sales.call(INVOICES, "invoices", {"company": sales.company_id, **variables})
        return [e["node"]["id"] for e in data["edges"]]

    assert await listed(filter={"status": ["OVERDUE"]}) == [late["id"]]
    assert await listed(filter={"status": ["POSTED"]}) == [current["id"]]
    assert await listed(filter={"customerId": other["id"]}) == [current["id"]]
    assert await listed(filter={"dateFrom": "2026-02-01", "dateTo": "2026-02-10"}) == [
        current["id"]
    ]
    assert await listed(sort={"field": "ISSUE_DATE", "direction": "ASC"}) == [
        late["id"],
        current["id"],
        draft["invoice"]["id"],
    ]
    page = await sales.call(
        INVOICES,
        "invoices",
        {"company": sales.company_id, "first": 2, "sort": {"field": "TOTAL", "direction": "DESC"}},
    )
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await listed(
        first=2, after=page["pageInfo"]["endCursor"], sort={"field": "TOTAL", "direction": "DESC"}
    )
    assert [e["node"]["id"] for e in page["edges"]] + rest == [
        late["id"],
        current["id"],
        draft["invoice"]["id"],
    ]


async def test_customers_search_tax_codes_and_access(gql, make_tenant, other_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    alpha = await sales.customer(
        "ALPHA",
        name="Syarikat Alpha",
        taxId="C11111111110",
        registrationNumber="201901000005",
        addresses=[{"kind": "billing", "line1": "1 Jalan Ampang", "city": "Kuala Lumpur"}],
        contacts=[{"name": "Siti", "email": "siti@alpha.example"}],
        paymentTermsDays=14,
    )
    assert alpha["addresses"] == [
        {"kind": "billing", "line1": "1 Jalan Ampang", "city": "Kuala Lumpur"}
    ]
    assert alpha["contacts"] == [{"name": "Siti", "email": "siti@alpha.example"}]
    moved = await sales.call(
        UPDATE_CUSTOMER,
        "updateCustomer",
        {
            "input": {
                "id": alpha["id"],
                "version": alpha["version"],
                "addresses": [{"kind": "shipping", "line1": "2 Jalan Tun Razak", "city": "KL"}],
                "creditLimit": "5000",
            }
        },
    )
    assert moved["errors"] == [], moved
    assert moved["customer"]["addresses"][0]["kind"] == "shipping"
    assert (moved["customer"]["creditLimit"], moved["customer"]["version"]) == ("5000.0000", 2)
    stale = await sales.call(
        UPDATE_CUSTOMER, "updateCustomer", {"input": {"id": alpha["id"], "version": 1, "name": "X"}}
    )
    assert stale["errors"][0]["code"] == "CONFLICT"
    bad = await sales.call(
        CREATE_CUSTOMER_ERRORS,
        "createCustomer",
        {
            "input": {
                "companyId": sales.company_id,
                "code": "",
                "name": "",
                "currencyCode": "XXX",
                "paymentTermsDays": -1,
                "creditLimit": "-1",
            }
        },
    )
    assert {(e["code"], e["field"]) for e in bad["errors"]} == {
        ("REQUIRED", "code"),
        ("REQUIRED", "name"),
        ("INVALID", "currencyCode"),
        ("INVALID", "paymentTermsDays"),
        ("INVALID", "creditLimit"),
    }
    await sales.customer("BETA", name="Beta Trading")
    duplicate = await sales.call(
        "mutation($input: CreateCustomerInput!) {"
        " createCustomer(input: $input) { errors { code field } } }",
        "createCustomer",
        {"input": {"companyId": sales.company_id, "code": "ALPHA", "name": "Again"}},
    )
    assert duplicate["errors"] == [{"code": "DUPLICATE", "field": "code"}]

    async def search(term: str) -> list[str]:
        data = await sales.call(
            CUSTOMERS, "customers", {"company": sales.company_id, "search": term}
        )
        return [e["node"]["code"] for e in data["edges"]]

    assert await search("alpha") == ["ALPHA"]
    assert await search("trad") == ["BETA"]
    assert await search("C11111111110") == ["ALPHA"]
    codes = (await gql.data(TAX_CODES, {"company": sales.company_id}, sales.token))["taxCodes"]
    assert {(c["code"], c["rate"]) for c in codes} == {
        ("SST10", "10"),
        ("SST5", "5"),
        ("SVC8", "8"),
        ("SVC6", "6"),
        ("EX", "0"),
    }

    # Another tenant, and a member of this tenant without access to the company, see nothing.
    stranger = await sales.gql.data(CUSTOMERS, {"company": sales.company_id}, other_tenant.token)
    assert stranger["customers"]["edges"] == []
    customer = await sales.customer("GAMMA")
    outsider = Sales(sales.inventory, other_tenant.token)
    blocked = await outsider.invoice(
        customer["id"], [{"description": "x", "quantity": "1", "unitPrice": "1"}]
    )
    assert _fields(blocked) == {("NOT_FOUND", "customerId")}
    # A member with the sales role in another company only: this company's customers and
    # invoices are "not found" to them, and its lists are empty.
    second = await Sales.open(gql, tenant)
    roles = (await gql.data("{ roles { id name } }", token=tenant.token))["roles"]
    sales_role = next(r["id"] for r in roles if r["name"] == "sales")
    member = await invite(gql, tenant, companies=(second.company_id,), company_roles=(sales_role,))
    seen = await gql.data(CUSTOMERS, {"company": sales.company_id}, member)
    assert seen["customers"]["edges"] == []
    blocked = await Sales(sales.inventory, member).invoice(
        customer["id"], [{"description": "x", "quantity": "1", "unitPrice": "1"}]
    )
    assert _fields(blocked) == {("NOT_FOUND", "customerId")}
    own = await Sales(second.inventory, member).customer("MINE")
    assert own["code"] == "MINE"


SET_SALES_ACCOUNT = """
mutation($input: SetSalesAccountInput!) {
  setSalesAccount(input: $input) { accounts { role accountId } errors { code field } }
}"""
SALES_ACCOUNTS = "query($company: ID!) { salesAccounts(companyId: $company) { role accountId } }"


async def test_sales_posting_accounts_are_configurable(gql, make_tenant) -> None:  # type: ignore[no-untyped-def]
    from tests.accounting.api import CREATE_ACCOUNT

    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    made = await gql.data(
        CREATE_ACCOUNT,
        {
            "input": {
                "companyId": sales.company_id,
                "code": "4130",
                "name": "Online Service Revenue",
                "type": "REVENUE",
            }
        },
        sales.token,
    )
    online = made["createAccount"]["account"]["id"]
    wrong = await sales.call(
        SET_SALES_ACCOUNT,
        "setSalesAccount",
        {
            "input": {
                "companyId": sales.company_id,
                "role": "SERVICE",
                "accountId": sales.books.id("1110"),
            }
        },
    )
    assert _fields(wrong) == {("INVALID", "accountId")}
    mapped = await sales.call(
        SET_SALES_ACCOUNT,
        "setSalesAccount",
        {"input": {"companyId": sales.company_id, "role": "SERVICE", "accountId": online}},
    )
    assert mapped["errors"] == []
    assert {"role": "SERVICE", "accountId": online} in mapped["accounts"]
    customer = await sales.customer()
    await sales.posted_invoice(
        customer["id"],
        [{"description": "Hosting", "quantity": "1", "unitPrice": "80"}],
        issueDate="2026-03-01",
    )
    assert (await sales.balances())["4130"] == "-80.0000"
    reset = await sales.call(
        SET_SALES_ACCOUNT,
        "setSalesAccount",
        {"input": {"companyId": sales.company_id, "role": "SERVICE", "accountId": None}},
    )
    assert {"role": "SERVICE", "accountId": sales.books.id("4110")} in reset["accounts"]
    listed = (await gql.data(SALES_ACCOUNTS, {"company": sales.company_id}, sales.token))[
        "salesAccounts"
    ]
    assert {"role": "RECEIVABLE", "accountId": sales.books.id("1200")} in listed


SET_TAX_ROUNDING = """
mutation($input: SetTaxRoundingInput!) {
  setTaxRounding(input: $input) { rounding errors { code field } }
}"""


async def test_tax_rounding_per_line_as_configured(gql, make_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    customer = await sales.customer()
    # 0.75 at 6 % = 0.045 of tax: half-up 0.05 (the default), half-even 0.04, down 0.04
    item = {"description": "Stamp", "quantity": "1", "unitPrice": "0.75", "taxCode": "SVC6"}
    default = await sales.invoice(customer["id"], [item, item], issueDate="2026-03-01")
    assert default["invoice"]["taxTotal"] == "0.1000"  # per line: 0.05 + 0.05
    done = await sales.call(
        SET_TAX_ROUNDING,
        "setTaxRounding",
        {"input": {"companyId": sales.company_id, "rounding": "HALF_EVEN"}},
    )
    assert done == {"rounding": "HALF_EVEN", "errors": []}
    even = await sales.invoice(customer["id"], [item, item], issueDate="2026-03-01")
    assert even["invoice"]["taxTotal"] == "0.0800"
    stranger = await make_tenant()
    refused = await gql.data(
        SET_TAX_ROUNDING,
        {"input": {"companyId": sales.company_id, "rounding": "DOWN"}},
        stranger.token,
    )
    assert refused["setTaxRounding"]["errors"] == [{"code": "NOT_FOUND", "field": "companyId"}]


async def test_idempotent_retries_of_payments_and_invoices(gql, make_tenant, engine) -> None:  # type: ignore[no-untyped-def]
    tenant = await make_tenant()
    sales = await Sales.open(gql, tenant)
    customer = await sales.customer()
    items = [{"description": "Work", "quantity": "1", "unitPrice": "100"}]
    first = await sales.invoice(
        customer["id"], items, issueDate="2026-03-01", post=True, idempotencyKey="inv-1"
    )
    again = await sales.invoice(
        customer["id"], items, issueDate="2026-03-01", post=True, idempotencyKey="inv-1"
    )
    assert first["errors"] == [] and again["errors"] == []
    assert again["invoice"]["id"] == first["invoice"]["id"]
    assert again["invoice"]["invoiceNumber"] == "INV-000001"
    invoice = first["invoice"]["id"]
    payments = await asyncio.gather(
        *(
            sales.pay(
                customer["id"],
                "40",
                [(invoice, "40")],
                paymentDate="2026-03-02",
                idempotencyKey="pay-1",
            )
            for _ in range(3)
        )
    )
    assert {p["payment"]["id"] for p in payments} == {payments[0]["payment"]["id"]}
    other = await sales.pay(customer["id"], "41", [(invoice, "41")], idempotencyKey="pay-1")
    assert _fields(other) == {("CONFLICT", "idempotencyKey")}
    rows = await _rows(engine, tenant.schema)
    assert (rows["sales_documents"], rows["customer_payments"]) == (1, 1)
    after = await sales.get_invoice(invoice)
    assert after is not None and after["amountPaid"] == "40.0000"
