"""AR and AP aging after a revaluation that stays (issue 12, item 3 follow-up): an open item's
base amount in the aging is what the books carry for it on the as-of date (original base, less
what settlements dated by then relieved, plus its revaluation shares in force then), so the
aging's base total is the control account's balance (1200 / 2100) on that date, through the
real API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.accounting.test_fx_settlement import Company, agings_and_control
from tests.conftest import GraphQLClient, TenantHandle
from tests.purchasing.api import AGING as AP_AGING
from tests.sales.api import AGING as AR_AGING
from tests.sales.api import STATEMENT as CUSTOMER_STATEMENT

ZERO = Decimal(0)


async def ar_aging(co: Company, as_of: str) -> dict[str, Any]:
    return await co.sales.call(AR_AGING, "arAging", {"company": co.books.company_id, "asOf": as_of})


async def ap_aging(co: Company, as_of: str) -> dict[str, Any]:
    variables = {"company": co.books.company_id, "asOf": as_of}
    return await co.purchasing.call(AP_AGING, "apAging", variables)


async def revalued_books(gql: GraphQLClient, tenant: TenantHandle) -> tuple[Company, Any, Any]:
    """The issue's scenario: USD 2,000 invoice and USD 1,000 bill at 4.40 on May 5, revalued at
    4.50 on May 31 (not auto-reversed): (company, (customer, invoice), (supplier, bill))."""
    co = await Company.open(gql, tenant)
    await co.rate("2026-05-01", "4.40")
    customer = await co.sales.customer("US1", currencyCode="USD")
    supplier = await co.purchasing.supplier("USSUP", currencyCode="USD")
    invoice = await co.invoice(customer["id"], "2000", "2026-05-05")
    bill = await co.bill(supplier["id"], "1000", "2026-05-05")
    await co.rate("2026-05-31", "4.50")
    await co.revalue("2026-05-31")
    await co.rate("2026-06-10", "4.45")
    return co, (customer, invoice), (supplier, bill)


async def test_aging_after_a_revaluation_that_stays_shows_the_carrying_amounts(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    co, (customer, invoice), (supplier, bill) = await revalued_books(gql, tenant)
    # Before the revaluation: the original bookings; on and after it: restated at 4.50.
    assert await agings_and_control(co, "2026-05-30") == (
        Decimal("8800"),
        Decimal("8800"),
        Decimal("4400"),
        Decimal("4400"),
    )
    restated = (Decimal("9000"), Decimal("9000"), Decimal("4500"), Decimal("4500"))
    assert await agings_and_control(co, "2026-05-31") == restated
    ap = await ap_aging(co, "2026-05-31")
    assert [
        (s["supplierCode"], Decimal(s["buckets"]["total"]), Decimal(s["baseBuckets"]["total"]))
        for s in ap["suppliers"]
    ] == [("USSUP", Decimal("1000"), Decimal("4500"))]
    # The customer's statement ages what is open in the same base figures.
    statement = await co.sales.call(
        CUSTOMER_STATEMENT,
        "customerStatement",
        {"customer": customer["id"], "from": "2026-05-01", "to": "2026-05-31"},
    )
    assert Decimal(statement["aging"]["total"]) == Decimal("9000")

    await co.receive(customer["id"], invoice["id"], "2000", "2026-06-10")
    await co.pay(supplier["id"], bill["id"], "1000", "2026-06-10")
    # Settled in full: nothing is listed, not the -200 / +100 the revaluation left before.
    assert await agings_and_control(co, "2026-06-30") == (ZERO, ZERO, ZERO, ZERO)
    assert (await ar_aging(co, "2026-06-30"))["customers"] == []
    assert (await ap_aging(co, "2026-06-30"))["suppliers"] == []
    # A past date still ages what was open then.
    assert await agings_and_control(co, "2026-06-09") == restated


async def test_aging_after_partial_settlements_agrees_with_the_control_accounts(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    co, (customer, invoice), (supplier, bill) = await revalued_books(gql, tenant)
    # A quarter of each by payment on June 10, another quarter by credit on June 12.
    await co.receive(customer["id"], invoice["id"], "500", "2026-06-10")
    await co.pay(supplier["id"], bill["id"], "250", "2026-06-10")
    note = await co.credit_note(invoice["id"], "2026-06-12", unit_price="500")
    assert note["errors"] == [], note
    credit = await co.supplier_credit(bill, "2026-06-12", quantity="0.25")
    assert credit["errors"] == [], credit

    # Each quarter relieves a quarter of the carrying amount (9,000 / 4,500).
    assert await agings_and_control(co, "2026-06-11") == (
        Decimal("6750"),
        Decimal("6750"),
        Decimal("3375"),
        Decimal("3375"),
    )
    assert await agings_and_control(co, "2026-06-30") == (
        Decimal("4500"),
        Decimal("4500"),
        Decimal("2250"),
        Decimal("2250"),
    )
    ap = await ap_aging(co, "2026-06-30")
    assert [
        (Decimal(s["buckets"]["total"]), Decimal(s["baseBuckets"]["total"]))
        for s in ap["suppliers"]
    ] == [(Decimal("500"), Decimal("2250"))]
