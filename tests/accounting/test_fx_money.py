"""Foreign-currency money as a user books it: base amounts in whole minor units of the base
currency (issue 12, item 2), through the real API."""

from __future__ import annotations

from typing import Any

from tests.accounting.api import Books
from tests.accounting.test_currency import foreign_entry, set_rate
from tests.conftest import GraphQLClient, TenantHandle
from tests.sales.api import Sales


async def test_usd_invoice_books_whole_sen_and_still_balances(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    sales = await Sales.open(gql, tenant)
    await set_rate(sales.books, "USD", "2026-06-01", "4.4567")
    customer = await sales.customer("US1", currencyCode="USD")
    invoice = await sales.posted_invoice(
        customer["id"],
        [
            {"description": "Service", "quantity": "1", "unitPrice": "333.33", "taxCode": "SVC8"},
            {"description": "Parts", "quantity": "1", "unitPrice": "10.05", "taxCode": "SST10"},
        ],
        issueDate="2026-06-01",
        dueDate="2026-07-01",
    )
    # 371.06 USD x 4.4567 = 1,653.7031 MYR: the receivable is 1,653.70; revenue 343.38 USD
    # (1,530.3416) and tax 27.68 USD (123.3615) share it by largest remainder, whole sen each.
    assert invoice["total"] == "371.0600"
    assert invoice["baseTotal"] == "1653.7000"
    books = await sales.balances()
    assert (books["1200"], books["4110"], books["2200"]) == ("1653.7000", "-1530.3400", "-123.3600")


async def test_foreign_lines_converted_one_by_one_balance_by_largest_remainder(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    await set_rate(books, "USD", "2026-03-01", "1.5")
    # 0.03 USD at 1.5 = 0.045 -> 0.05; three credits of 0.01 USD = 0.015 -> 0.02 each (0.06):
    # one credit gives up the sen it gained, nothing goes to a plug account.
    lines: list[dict[str, Any]] = [
        {"accountId": "1110", "debit": "0.03", "currencyCode": "USD"},
        {"accountId": "4100", "credit": "0.01", "currencyCode": "USD"},
        {"accountId": "4100", "credit": "0.01", "currencyCode": "USD"},
        {"accountId": "4100", "credit": "0.01", "currencyCode": "USD"},
    ]
    posted = await foreign_entry(books, lines)
    assert posted["errors"] == [], posted
    entry = posted["journalEntry"]
    assert entry["totalAmount"] == "0.0500"
    assert [(line["baseDebit"], line["baseCredit"]) for line in entry["lines"]] == [
        ("0.0500", "0.0000"),
        ("0.0000", "0.0100"),
        ("0.0000", "0.0200"),
        ("0.0000", "0.0200"),
    ]
    # A difference that is not rounding is still refused.
    wrong = await foreign_entry(books, [*lines[:2], {**lines[1], "credit": "0.05"}])
    assert [(e["code"], e["field"]) for e in wrong["errors"]] == [("UNBALANCED", "lines")]
