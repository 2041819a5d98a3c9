"""Settling foreign invoices and bills after a revaluation that stays (issue 12, item 3): the
open item is relieved at its carrying amount (original base + revaluations of it in force), so
AR/AP clear to zero in base currency and the exchange difference on settlement is measured
against the carrying amount (IAS 21), through the real API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.accounting.test_currency import revalue, set_rate
from tests.conftest import GraphQLClient, TenantHandle, eventually
from tests.purchasing.api import AGING as AP_AGING
from tests.purchasing.api import CREDIT, Purchasing
from tests.sales.api import AGING as AR_AGING
from tests.sales.api import CREATE_CREDIT_NOTE, Sales

ZERO = Decimal(0)
FX_ACCOUNTS = ("4920", "6800")  # unrealized and realized gains (Cr) and losses (Dr)


class Company:
    """One company selling to and buying from USD parties."""

    def __init__(self, sales: Sales) -> None:
        self.sales = sales
        self.books = sales.books
        self.purchasing = Purchasing(sales.inventory)

    @classmethod
    async def open(cls, gql: GraphQLClient, tenant: TenantHandle) -> Company:
        return cls(await Sales.open(gql, tenant))

    async def rate(self, day: str, rate: str) -> None:
        assert (await set_rate(self.books, "USD", day, rate))["errors"] == []

    async def invoice(self, customer: str, amount: str, day: str) -> dict[str, Any]:
        return await self.sales.posted_invoice(
            customer,
            [{"description": "Consulting", "quantity": "1", "unitPrice": amount}],
            issueDate=day,
            dueDate="2026-12-31",
        )

    async def bill(self, supplier: str, amount: str, day: str) -> dict[str, Any]:
        line = {"accountId": self.books.id("6700"), "quantity": "1", "unitPrice": amount}
        return await self.purchasing.bill(supplier, [line], date=day, post=True)

    async def receive(self, customer: str, invoice: str, amount: str, day: str) -> None:
        paid = await self.sales.pay(customer, amount, [(invoice, amount)], paymentDate=day)
        assert paid["errors"] == [], paid

    async def pay(self, supplier: str, bill: str, amount: str, day: str) -> None:
        paid = await self.purchasing.pay(supplier, amount, [(bill, amount)], date=day)
        assert paid["errors"] == [], paid

    async def credit_note(
        self, invoice: str, day: str, quantity: str = "1", unit_price: str | None = None
    ) -> dict[str, Any]:
        """createCreditNote on the invoice's one line (`unit_price`: a lower credited price)."""
        line: dict[str, Any] = {"lineNumber": 1, "quantity": quantity}
        if unit_price is not None:
            line["unitPrice"] = unit_price
        values = {"invoiceId": invoice, "issueDate": day, "lines": [line], "returnStock": False}
        return await self.sales.call(CREATE_CREDIT_NOTE, "createCreditNote", {"input": values})

    async def supplier_credit(
        self, bill: dict[str, Any], day: str, quantity: str = "1"
    ) -> dict[str, Any]:
        """issueSupplierCredit on the bill's one line."""
        line = {"billLineId": bill["lines"][0]["id"], "quantity": quantity}
        values = {"billId": bill["id"], "creditDate": day, "lines": [line]}
        return await self.purchasing.call(CREDIT, "issueSupplierCredit", {"input": values})

    async def revalue(self, as_of: str, auto_reverse: bool = False) -> None:
        done = await revalue(self.books, as_of, autoReverse=auto_reverse)
        assert done["errors"] == [], done

    async def balances(self) -> dict[str, Decimal]:
        return {code: Decimal(v) for code, v in (await self.sales.balances()).items()}


async def agings_and_control(co: Company, as_of: str) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(arAging base total, 1200 balance, apAging base total, 2100 credit balance) at `as_of`:
    the agings' base totals are the control accounts' balances."""
    company = {"company": co.books.company_id, "asOf": as_of}
    ledger = {code: Decimal(v) for code, v in (await co.sales.balances(as_of)).items()}
    receivable = (await co.sales.call(AR_AGING, "arAging", company))["totals"]["total"]
    payable = (await co.purchasing.call(AP_AGING, "apAging", company))["totals"]["total"]
    return (
        Decimal(receivable),
        ledger.get("1200", ZERO),
        Decimal(payable),
        -ledger.get("2100", ZERO),
    )


def fx_net(balances: dict[str, Decimal]) -> Decimal:
    """Net FX gain over the FX accounts (credit positive)."""
    return -sum((balances.get(code, ZERO) for code in FX_ACCOUNTS), ZERO)


async def test_settling_after_a_revaluation_that_stays_clears_ar_and_ap(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    co = await Company.open(gql, tenant)
    await co.rate("2026-05-01", "4.40")
    customer = await co.sales.customer("US1", currencyCode="USD")
    supplier = await co.purchasing.supplier("USSUP", currencyCode="USD")
    invoice = await co.invoice(customer["id"], "2000", "2026-05-05")
    bill = await co.bill(supplier["id"], "1000", "2026-05-05")
    await co.rate("2026-05-31", "4.50")
    await co.revalue("2026-05-31")
    revalued = await co.balances()
    assert (revalued["1200"], revalued["2100"]) == (Decimal("9000"), Decimal("-4500"))
    assert fx_net(revalued) == Decimal("100")  # +200 on AR, -100 on AP, unrealized

    await co.rate("2026-06-10", "4.45")
    await co.receive(customer["id"], invoice["id"], "2000", "2026-06-10")
    await co.pay(supplier["id"], bill["id"], "1000", "2026-06-10")
    settled = await co.balances()
    assert settled.get("1200", ZERO) == 0
    assert settled.get("2100", ZERO) == 0
    # Received 8,900 for 8,800 booked, paid 4,450 for 4,400: +100 - 50. Against the carrying
    # amounts: the receipt realizes a loss of 100 (9,000 carried), the payment a gain of 50.
    assert fx_net(settled) == Decimal("50")
    assert settled["6800"] - revalued["6800"] == Decimal("100")
    assert settled["4920"] - revalued["4920"] == Decimal("-50")
    assert settled["1110"] == Decimal("8900") - Decimal("4450")


async def test_partial_payments_after_a_revaluation_leave_nothing_in_ar_or_ap(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    co = await Company.open(gql, tenant)
    await co.rate("2026-05-01", "4.4123")
    customer = await co.sales.customer("US1", currencyCode="USD")
    supplier = await co.purchasing.supplier("USSUP", currencyCode="USD")
    invoice = await co.invoice(customer["id"], "1000.01", "2026-05-05")
    bill = await co.bill(supplier["id"], "333.33", "2026-05-05")
    await co.rate("2026-05-31", "4.5077")
    await co.revalue("2026-05-31")
    await co.rate("2026-06-10", "4.4551")
    await co.receive(customer["id"], invoice["id"], "333.33", "2026-06-10")
    await co.pay(supplier["id"], bill["id"], "111.11", "2026-06-10")
    part = await co.balances()
    # What is left is carried at the revalued rate: 666.68 USD of AR, 222.22 USD of AP.
    # 4,507.75 carried less 4,507.75 x 333.33 / 1,000.01 = 1,502.55 relieved.
    assert part["1200"] == Decimal("3005.20")
    # 1,502.55 carried less 1,502.55 x 111.11 / 333.33 = 500.85 relieved.
    assert part["2100"] == Decimal("-1001.70")
    await co.rate("2026-06-20", "4.3999")
    await co.receive(customer["id"], invoice["id"], "666.68", "2026-06-20")
    await co.pay(supplier["id"], bill["id"], "222.22", "2026-06-20")
    settled = await co.balances()
    assert settled.get("1200", ZERO) == 0
    assert settled.get("2100", ZERO) == 0
    # All FX together is what the bank saw against the original bookings.
    bank = settled["1110"]
    assert fx_net(settled) == bank - (Decimal("4412.34") - Decimal("1470.75"))


async def test_auto_reversed_revaluation_still_settles_exactly(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    co = await Company.open(gql, tenant)
    await co.rate("2026-05-01", "4.40")
    customer = await co.sales.customer("US1", currencyCode="USD")
    invoice = await co.invoice(customer["id"], "2000", "2026-05-05")
    await co.rate("2026-05-31", "4.50")
    await co.revalue("2026-05-31", auto_reverse=True)
    await co.rate("2026-06-10", "4.45")
    await co.receive(customer["id"], invoice["id"], "2000", "2026-06-10")
    settled = await co.balances()
    assert settled.get("1200", ZERO) == 0
    assert fx_net(settled) == Decimal("100")


async def test_full_credit_note_after_a_revaluation_clears_ar_at_its_carrying_amount(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine, celery_worker: Any
) -> None:
    co = await Company.open(gql, tenant)
    await co.rate("2026-05-01", "4.40")
    customer = await co.sales.customer("US1", currencyCode="USD")
    invoice = await co.invoice(customer["id"], "2000", "2026-05-05")
    await co.rate("2026-05-31", "4.50")
    await co.revalue("2026-05-31")  # AR 8,800 -> 9,000: unrealized gain 200
    await co.rate("2026-06-10", "4.45")

    # Dated before the revaluation, the credit would relieve what it restated: refused.
    early = await co.credit_note(invoice["id"], "2026-05-20")
    assert [(e["code"], e["field"]) for e in early["errors"]] == [("INVALID_STATE", "issueDate")]

    note = await co.credit_note(invoice["id"], "2026-06-10")
    assert note["errors"] == [], note
    books = await co.balances()
    assert books.get("1200", ZERO) == Decimal("0.00")
    # Revenue goes back at the invoice's rate; the receivable leaves at 9,000, so the
    # revaluation's gain of 200 is realized back as a loss: the sale is undone, FX nets to 0.
    assert books["4120"] == Decimal("8800")
    assert books["6800"] == Decimal("200")
    assert fx_net(books) == 0
    assert books.get("2130", ZERO) == 0  # nothing went to the customer's advances

    async def sub_ledger_agrees() -> bool:
        return (await _sub_ledgers(engine, tenant.schema, co.books.company_id))[0] == 0

    assert await eventually(sub_ledger_agrees, timeout=30), await _sub_ledgers(
        engine, tenant.schema, co.books.company_id
    )


async def test_credit_note_beyond_what_is_due_after_a_revaluation_keeps_the_rest_as_advance(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine, celery_worker: Any
) -> None:
    co = await Company.open(gql, tenant)
    await co.rate("2026-05-01", "4.40")
    customer = await co.sales.customer("US1", currencyCode="USD")
    invoice = await co.invoice(customer["id"], "2000", "2026-05-05")
    await co.rate("2026-05-31", "4.50")
    await co.revalue("2026-05-31")
    await co.rate("2026-06-10", "4.45")
    await co.receive(customer["id"], invoice["id"], "1500", "2026-06-10")  # relieves 6,750
    note = await co.credit_note(invoice["id"], "2026-06-12")
    assert note["errors"] == [], note
    books = await co.balances()
    # The 500 still due leaves AR at its carrying 2,250 (worth 2,200 at the invoice's rate: a
    # loss of 50); the other 1,500 is the customer's advance at the invoice's rate.
    assert books.get("1200", ZERO) == 0
    assert books["2130"] == Decimal("-6600")
    # 75 lost on the receipt (6,675 received for 6,750 carried), 50 on the credit note.
    assert books["6800"] == Decimal("125")

    async def sub_ledger_agrees() -> bool:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT coalesce(sum(receivable), 0), coalesce(sum(advance), 0)"
                        f' FROM "{tenant.schema}".customer_balances WHERE company_id = :c'
                    ),
                    {"c": co.books.company_id},
                )
            ).one()
        return (Decimal(row[0]), Decimal(row[1])) == (ZERO, Decimal("6600"))

    assert await eventually(sub_ledger_agrees, timeout=30)


async def test_full_supplier_credit_after_a_revaluation_clears_ap_at_its_carrying_amount(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    co = await Company.open(gql, tenant)
    await co.rate("2026-05-01", "4.40")
    supplier = await co.purchasing.supplier("USSUP", currencyCode="USD")
    bill = await co.bill(supplier["id"], "1000", "2026-05-05")
    await co.rate("2026-05-31", "4.50")
    await co.revalue("2026-05-31")  # AP 4,400 -> 4,500: unrealized loss 100
    await co.rate("2026-06-10", "4.45")

    early = await co.supplier_credit(bill, "2026-05-20")
    assert [(e["code"], e["field"]) for e in early["errors"]] == [("INVALID_STATE", "creditDate")]

    credit = await co.supplier_credit(bill, "2026-06-10")
    assert credit["errors"] == [], credit
    books = await co.balances()
    assert books.get("2100", ZERO) == Decimal("0.00")
    # The expense goes back at the bill's rate; AP leaves at 4,500: a realized gain of 100
    # against the revaluation's loss of 100.
    assert books.get("6700", ZERO) == 0
    assert books["4920"] == Decimal("-100")
    assert fx_net(books) == 0
    assert (await _sub_ledgers(engine, tenant.schema, co.books.company_id))[1] == 0


@pytest.fixture(scope="module")
async def fx_tenant(make_tenant: Any) -> TenantHandle:
    tenant: TenantHandle = await make_tenant("fxsettle", plan="enterprise")
    return tenant


async def _sub_ledgers(engine: AsyncEngine, schema: str, company: str) -> tuple[Decimal, Decimal]:
    """(sum of customers' receivables, sum of suppliers' base payables)."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    f'SELECT (SELECT coalesce(sum(receivable), 0) FROM "{schema}".customer_balances'
                    " WHERE company_id = :c),"
                    f' (SELECT coalesce(sum(base_payable), 0) FROM "{schema}".supplier_balances'
                    " WHERE company_id = :c)"
                ),
                {"c": company},
            )
        ).one()
    return Decimal(row[0]), Decimal(row[1])


rates = st.decimals(min_value=Decimal("3.5"), max_value=Decimal("5.5"), places=4)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)


SETTLING = "2026-07-10"


async def _settle_invoice(
    co: Company, customer: str, invoice: str, amount: Decimal, by_credit: bool
) -> Decimal:
    """Settle `amount` of the invoice by a receipt or by a credit note (its one line at that
    price); the credit note's base value at the invoice's rate, else 0."""
    if not by_credit:
        await co.receive(customer, invoice, str(amount), SETTLING)
        return ZERO
    note = await co.credit_note(invoice, SETTLING, unit_price=str(amount))
    assert note["errors"] == [], note
    return Decimal(note["invoice"]["baseTotal"])


async def _settle_bill(
    co: Company, supplier: str, bill: dict[str, Any], amount: Decimal, share: Decimal, by: bool
) -> Decimal:
    """Settle `amount` (`share` of the bill's one line) by a payment or a supplier credit; the
    credit's base value at the bill's rate, else 0."""
    if not by:
        await co.pay(supplier, bill["id"], str(amount), SETTLING)
        return ZERO
    credit = await co.supplier_credit(bill, SETTLING, quantity=str(share))
    assert credit["errors"] == [], credit
    assert Decimal(credit["credit"]["total"]) == amount
    return co_base(amount, Decimal(bill["exchangeRate"]))


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    invoiced=amounts,
    billed=amounts,
    booked_at=rates,
    revalued_at=st.lists(rates, max_size=2),
    paid_at=rates,
    part=st.sampled_from([None, Decimal("0.37"), Decimal("0.5")]),
    credit=st.sampled_from([None, "first", "rest"]),
)
async def test_every_item_settled_leaves_ar_ap_and_sub_ledgers_at_zero(
    gql: GraphQLClient,
    fx_tenant: TenantHandle,
    engine: AsyncEngine,
    celery_worker: Any,
    invoiced: Decimal,
    billed: Decimal,
    booked_at: Decimal,
    revalued_at: list[Decimal],
    paid_at: Decimal,
    part: Decimal | None,
    credit: str | None,
) -> None:
    """`credit`: which settlement of each item is a credit note / supplier credit instead of
    a payment: the first (partial, or the only one), the rest, or none."""
    co = await Company.open(gql, fx_tenant)
    await co.rate("2026-05-01", str(booked_at))
    customer = await co.sales.customer("US1", currencyCode="USD")
    supplier = await co.purchasing.supplier("USSUP", currencyCode="USD")
    invoice = await co.invoice(customer["id"], str(invoiced), "2026-05-05")
    bill = await co.bill(supplier["id"], str(billed), "2026-05-05")
    for day, rate in zip(("2026-05-31", "2026-06-30"), revalued_at, strict=False):
        await co.rate(day, str(rate))
        done = await revalue(co.books, day, autoReverse=False)
        # Small amounts may round to no change at all: "Nothing to revalue".
        assert done["errors"] == [] or done["errors"][0]["message"].startswith("Nothing"), done
    await co.rate(SETTLING, str(paid_at))
    left_in, left_out, share_left = invoiced, billed, Decimal(1)
    returned = credited_back = ZERO  # base value of the credits, at the documents' rates
    if part is not None:  # a partial settlement first
        first_in = max((invoiced * part).quantize(Decimal("0.01")), Decimal("0.01"))
        # A supplier credit takes a share of the bill's line: exactly billed x part.
        first_out = (
            billed * part
            if credit
            else max((billed * part).quantize(Decimal("0.01")), Decimal("0.01"))
        )
        if first_in < invoiced:
            by = credit == "first"
            returned += await _settle_invoice(co, customer["id"], invoice["id"], first_in, by)
            left_in -= first_in
        if first_out < billed:
            by = credit == "first"
            credited_back += await _settle_bill(co, supplier["id"], bill, first_out, part, by)
            left_out -= first_out
            share_left -= part
    by = credit == "rest" or (credit == "first" and left_in == invoiced)
    returned += await _settle_invoice(co, customer["id"], invoice["id"], left_in, by)
    by = credit == "rest" or (credit == "first" and left_out == billed)
    credited_back += await _settle_bill(co, supplier["id"], bill, left_out, share_left, by)

    settled = await co.balances()
    assert settled.get("1200", ZERO) == 0
    assert settled.get("2100", ZERO) == 0
    # Credits take revenue and expense back at the documents' own rate ...
    assert settled.get("4120", ZERO) == returned
    assert settled.get("6700", ZERO) == co_base(billed, booked_at) - credited_back
    # ... so all FX together is what the bank saw against what stays booked.
    booked = (co_base(invoiced, booked_at) - returned) - (
        co_base(billed, booked_at) - credited_back
    )
    assert fx_net(settled) == settled.get("1110", ZERO) - booked

    # The agings on each date (revalued once, twice, settled) are the control accounts then.
    for day in ("2026-05-31", "2026-06-30", SETTLING):
        ar, receivable, ap, payable = await agings_and_control(co, day)
        assert (ar, ap) == (receivable, payable), day

    async def sub_ledgers_agree() -> bool:
        return await _sub_ledgers(engine, fx_tenant.schema, co.books.company_id) == (ZERO, ZERO)

    assert await eventually(sub_ledgers_agree, timeout=30), await _sub_ledgers(
        engine, fx_tenant.schema, co.books.company_id
    )


def co_base(amount: Decimal, rate: Decimal) -> Decimal:
    """A document's base total in MYR (whole sen, half-up)."""
    return (amount * rate).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
