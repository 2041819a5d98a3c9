"""The AP sub-ledger and the books never disagree: whatever bills, payments and advances users
make (in base and foreign currency), Trade Payables equals the sum of the suppliers' balances
and Advances to Suppliers the sum of their advances. Concurrent payments and bills never take
more than there is."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import GraphQLClient, TenantHandle
from tests.purchasing.api import BILL_QUERY, CREATE_BILL, SUPPLIERS, Purchasing

SET_RATE = """
mutation($input: SetExchangeRateInput!) {
  setExchangeRate(input: $input) { errors { code } }
}"""
APPLY = """
mutation($input: ApplySupplierAdvanceInput!) {
  applySupplierAdvance(input: $input) { errors { code } }
}"""
RATES = (("2026-03-01", "4.4731"), ("2026-03-10", "4.5123"), ("2026-03-20", "4.3907"))
DAYS = ("2026-03-02", "2026-03-12", "2026-03-22")

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
bill = st.tuples(st.just("bill"), st.booleans(), amounts, st.sampled_from(DAYS))
pay = st.tuples(
    st.just("pay"),
    st.integers(0, 20),
    st.sampled_from((Decimal("0.25"), Decimal("0.5"), Decimal(1))),
    st.sampled_from((Decimal(0), Decimal(0), Decimal("12.34"))),
    st.sampled_from(DAYS),
)
apply = st.tuples(
    st.just("apply"),
    st.integers(0, 20),
    st.sampled_from((Decimal("0.5"), Decimal(1))),
    st.sampled_from(DAYS),
)
operations = st.lists(st.one_of(bill, bill, pay, apply), min_size=2, max_size=8)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
async def test_payables_equal_the_suppliers_balances(
    gql: GraphQLClient, make_tenant: Any, ops: list[tuple[Any, ...]]
) -> None:
    p = await Purchasing.open(gql, await make_tenant("ap"))  # a fresh tenant per example
    for day, rate in RATES:
        await p.call(
            SET_RATE,
            "setExchangeRate",
            {"input": {"companyId": p.company_id, "currency": "USD", "date": day, "rate": rate}},
        )
    local = await p.supplier("LOCAL")
    foreign = await p.supplier("ABROAD", currencyCode="USD")
    bills: list[tuple[str, str, Decimal]] = []  # (bill id, supplier id, total)
    owed: dict[str, Decimal] = {}
    ahead: dict[str, Decimal] = {local["id"]: Decimal(0), foreign["id"]: Decimal(0)}
    for op in ops:
        if op[0] == "bill":
            _, is_foreign, amount, day = op
            supplier = foreign if is_foreign else local
            made = await p.bill(
                supplier["id"],
                [{"accountId": p.books.id("6300"), "quantity": "1", "unitPrice": str(amount)}],
                date=day,
                post=True,
            )
            bills.append((made["id"], supplier["id"], amount))
            owed[made["id"]] = amount
        elif op[0] == "apply" and bills:
            _, index, share, day = op
            bill_id, supplier_id, _total = bills[index % len(bills)]
            amount = min(owed[bill_id], (ahead[supplier_id] * share).quantize(Decimal("0.01")))
            if amount <= 0:
                continue
            applied = await p.call(
                APPLY,
                "applySupplierAdvance",
                {"input": {"billId": bill_id, "amount": str(amount), "date": day}},
            )
            if applied["errors"]:  # e.g. dated before the bill
                continue
            owed[bill_id] -= amount
            ahead[supplier_id] -= amount
        elif op[0] == "pay" and bills:
            _, index, share, extra, day = op
            bill_id, supplier_id, _total = bills[index % len(bills)]
            allocation = (owed[bill_id] * share).quantize(Decimal("0.01"))
            if allocation <= 0 and extra == 0:
                continue
            allocations = [(bill_id, str(allocation))] if allocation > 0 else []
            paid = await p.pay(supplier_id, str(allocation + extra), allocations, date=day)
            if paid["errors"]:  # e.g. a payment dated before the bill's rate applies: fine
                continue
            owed[bill_id] -= allocation
            ahead[supplier_id] += extra

    data = await p.call(SUPPLIERS, "suppliers", {"company": p.company_id})
    balances = {e["node"]["id"]: e["node"]["balance"] for e in data["edges"]}
    trial = await p.balances()
    base_payable = sum((Decimal(b["basePayable"]) for b in balances.values()), Decimal(0))
    base_advance = sum((Decimal(b["baseAdvance"]) for b in balances.values()), Decimal(0))
    assert Decimal(trial.get("2100", "0")) == -base_payable
    assert Decimal(trial.get("1230", "0")) == base_advance
    for supplier in (local, foreign):
        expected = sum((owed[b] for b, s, _ in bills if s == supplier["id"]), Decimal(0))
        assert Decimal(balances[supplier["id"]]["payable"]) == expected
        assert Decimal(balances[supplier["id"]]["advance"]) == ahead[supplier["id"]]


async def test_concurrent_payments_never_over_allocate(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    p = await Purchasing.open(gql, tenant)
    acme = await p.supplier("ACME")
    bill = await p.bill(
        acme["id"],
        [{"accountId": p.books.id("6300"), "quantity": "1", "unitPrice": "100"}],
        post=True,
    )
    results = await asyncio.gather(
        *(p.pay(acme["id"], "30", [(bill["id"], "30")]) for _ in range(6))
    )
    codes = sorted(tuple(e["code"] for e in r["errors"]) for r in results)
    assert codes == [(), (), (), ("LIMIT_EXCEEDED",), ("LIMIT_EXCEEDED",), ("LIMIT_EXCEEDED",)]
    read = (await gql.data(BILL_QUERY, {"id": bill["id"]}, p.token))["bill"]
    assert (read["amountPaid"], read["outstanding"]) == ("90.0000", "10.0000")
    numbers = sorted(r["payment"]["number"] for r in results if r["payment"])
    assert numbers == ["PAY-000001", "PAY-000002", "PAY-000003"]  # gapless


async def test_concurrent_bills_never_bill_more_than_was_received(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    p = await Purchasing.open(gql, tenant)
    widget = await p.inventory.product("WIDGET")
    store = await p.inventory.warehouse("MAIN")
    acme = await p.supplier("ACME")
    order = await p.order(acme["id"], store["id"], [(widget["id"], "10", "5.00")])
    receipt = await p.receive(order, ["10"])
    line = receipt["lines"][0]["id"]
    results = await asyncio.gather(
        *(
            p.call(
                CREATE_BILL,
                "createBill",
                p.bill_input(
                    acme["id"],
                    [{"receiptLineId": line, "quantity": "4", "unitPrice": "5"}],
                    post=True,
                ),
            )
            for _ in range(4)
        )
    )
    assert sorted(len(r["errors"]) for r in results) == [0, 0, 1, 1]
    async with engine.connect() as conn:
        billed = (
            await conn.execute(
                text(
                    f'SELECT billed_quantity, billed_value FROM "{tenant.schema}".'
                    "goods_receipt_lines"
                )
            )
        ).one()
    assert (billed[0], billed[1]) == (Decimal("8.0000"), Decimal("40.0000"))
    balances = await p.balances()
    assert balances["2120"] == "-10.0000"


async def test_a_retried_payment_is_made_once(gql: GraphQLClient, tenant: TenantHandle) -> None:
    p = await Purchasing.open(gql, tenant)
    acme = await p.supplier("ACME")
    bill = await p.bill(
        acme["id"],
        [{"accountId": p.books.id("6300"), "quantity": "1", "unitPrice": "100"}],
        post=True,
    )
    retries = await asyncio.gather(
        *(
            p.pay(acme["id"], "40", [(bill["id"], "40")], idempotencyKey="pay-bill-1")
            for _ in range(4)
        )
    )
    assert all(r["errors"] == [] for r in retries), retries
    assert {r["payment"]["id"] for r in retries} == {retries[0]["payment"]["id"]}
    changed = await p.pay(acme["id"], "41", [(bill["id"], "41")], idempotencyKey="pay-bill-1")
    assert [(e["code"], e["field"]) for e in changed["errors"]] == [("CONFLICT", "idempotencyKey")]
    read = (await gql.data(BILL_QUERY, {"id": bill["id"]}, p.token))["bill"]
    assert (read["amountPaid"], len(read["payments"])) == ("40.0000", 1)
    assert (await p.balances())["1110"] == "-40.0000"
