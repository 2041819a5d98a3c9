"""Multi-currency: exchange rates by date, rates filled in for foreign lines, exact base amounts,
and unrealized FX revaluation as one reversible entry. Everything through the real API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.accounting.api import CREATE_ENTRY, ENTRY, ERRORS, REVERSE_ENTRY, Books, snapshot
from tests.conftest import GraphQLClient, TenantHandle

SET_RATE = f"""
mutation($input: SetExchangeRateInput!) {{
  setExchangeRate(input: $input) {{
    exchangeRate {{ companyId currency baseCurrency effectiveDate rate }} {ERRORS}
  }}
}}"""
RATES = """
query($company: ID!, $currency: String, $from: Date, $to: Date) {
  exchangeRates(companyId: $company, currency: $currency, from: $from, to: $to) {
    currency baseCurrency effectiveDate rate
  }
}"""
REVALUE = f"""
mutation($input: RevalueForeignBalancesInput!) {{
  revalueForeignBalances(input: $input) {{
    journalEntry {{ {ENTRY} }} reversal {{ id postingDate status entryNumber }}
    lines {{ accountId currency foreignBalance rate baseAdjustment }}
    {ERRORS}
  }}
}}"""


async def set_rate(books: Books, currency: str, day: str, rate: str) -> dict[str, Any]:
    data = await books.gql.data(
        SET_RATE,
        {"input": {"companyId": books.company_id, "currency": currency, "date": day, "rate": rate}},
        books.token,
    )
    return dict(data["setExchangeRate"])


async def foreign_entry(
    books: Books, lines: list[dict[str, Any]], day: str = "2026-03-15"
) -> dict[str, Any]:
    variables = {
        "input": {
            "companyId": books.company_id,
            "postingDate": day,
            "post": True,
            "lines": [{**line, "accountId": books.id(line["accountId"])} for line in lines],
        }
    }
    return dict((await books.gql.data(CREATE_ENTRY, variables, books.token))["createJournalEntry"])


async def revalue(books: Books, as_of: str, **extra: Any) -> dict[str, Any]:
    variables = {
        "input": {
            "companyId": books.company_id,
            "asOf": as_of,
            "gainAccountId": books.id("4920"),
            "lossAccountId": books.id("6800"),
            **extra,
        }
    }
    return dict((await books.gql.data(REVALUE, variables, books.token))["revalueForeignBalances"])


def tb_line(balance: dict[str, Any], code: str) -> dict[str, Any]:
    return next(line for line in balance["lines"] if line["account"]["code"] == code)


async def test_rates_by_date_are_set_replaced_listed_and_validated(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    first = await set_rate(books, "usd", "2026-03-01", "4.2")
    assert first["errors"] == []
    assert first["exchangeRate"] == {
        "companyId": books.company_id,
        "currency": "USD",
        "baseCurrency": "MYR",
        "effectiveDate": "2026-03-01",
        "rate": "4.2",
    }
    assert (await set_rate(books, "USD", "2026-03-20", "4.4"))["errors"] == []
    assert (await set_rate(books, "USD", "2026-03-01", "4.21"))["errors"] == []  # replaces
    assert (await set_rate(books, "IDR", "2026-03-01", "0.0002869123"))["errors"] == []

    listed = (await gql.data(RATES, {"company": books.company_id}, books.token))["exchangeRates"]
    assert [(r["currency"], r["effectiveDate"], r["rate"]) for r in listed] == [
        ("IDR", "2026-03-01", "0.0002869123"),
        ("USD", "2026-03-01", "4.21"),
        ("USD", "2026-03-20", "4.4"),
    ]
    usd_late = await gql.data(
        RATES,
        {"company": books.company_id, "currency": "USD", "from": "2026-03-02", "to": "2026-12-31"},
        books.token,
    )
    assert [r["rate"] for r in usd_late["exchangeRates"]] == ["4.4"]

    for currency, rate, field in (
        ("XYZ", "4.2", "currency"),  # not ISO 4217
        ("MYR", "1", "currency"),  # the base currency itself
        ("USD", "0", "rate"),
        ("USD", "-4.2", "rate"),
        ("USD", "4.12345678901", "rate"),  # 11 places: more than NUMERIC(19,10) keeps
    ):
        refused = await set_rate(books, currency, "2026-04-01", rate)
        assert refused["exchangeRate"] is None
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID", field)], refused

    # Another tenant sees no rates of this company and cannot set one.
    outsider = Books(gql, other_tenant.token, books.company_id)
    assert (await set_rate(outsider, "USD", "2026-05-01", "9"))["errors"][0]["code"] == "NOT_FOUND"
    seen = await gql.data(RATES, {"company": books.company_id}, other_tenant.token)
    assert seen["exchangeRates"] == []


async def test_foreign_line_without_rate_takes_the_rate_in_force_on_the_posting_date(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    await set_rate(books, "USD", "2026-03-01", "4.2")
    await set_rate(books, "USD", "2026-03-20", "4.4")  # later than the entry: not used
    posted = await foreign_entry(
        books,
        [
            {"accountId": "1200", "debit": "1000.00", "currencyCode": "USD"},
            {"accountId": "4100", "credit": "4200"},
        ],
    )
    assert posted["errors"] == [], posted
    receivable, sales = posted["journalEntry"]["lines"]
    assert receivable["currencyCode"] == "USD"
    assert receivable["debit"] == "1000.0000"  # the original amount is kept ...
    assert receivable["exchangeRate"] == "4.2"  # ... with the rate it was converted at
    assert receivable["baseDebit"] == "4200.0000"
    assert (sales["currencyCode"], sales["exchangeRate"], sales["baseCredit"]) == (
        "MYR",
        "1",
        "4200.0000",
    )

    # On the 20th the new rate is in force; an explicit rate always wins.
    later = await foreign_entry(
        books,
        [
            {"accountId": "1200", "debit": "10", "currencyCode": "USD"},
            {"accountId": "1200", "debit": "10", "currencyCode": "USD", "exchangeRate": "4.5"},
            {"accountId": "4100", "credit": "89"},
        ],
        day="2026-03-25",
    )
    assert later["errors"] == [], later
    assert [line["baseDebit"] for line in later["journalEntry"]["lines"][:2]] == [
        "44.0000",
        "45.0000",
    ]


async def test_missing_rate_and_unknown_currency_are_typed_errors_naming_the_line(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = await Books.open(gql, tenant)
    await set_rate(books, "EUR", "2026-04-01", "5.0")  # only from April
    before = await snapshot(engine, tenant.schema)
    refused = await foreign_entry(
        books,
        [
            {"accountId": "1200", "debit": "100", "currencyCode": "SGD"},
            {"accountId": "1200", "debit": "100", "currencyCode": "EUR"},
            {"accountId": "4100", "credit": "800"},
        ],
    )
    assert refused["journalEntry"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("MISSING_RATE", "lines.0.exchangeRate"),
        ("MISSING_RATE", "lines.1.exchangeRate"),
    ]
    assert "SGD" in refused["errors"][0]["message"]

    unknown = await foreign_entry(
        books,
        [
            {"accountId": "1200", "debit": "100", "currencyCode": "ABC"},
            {"accountId": "4100", "credit": "100"},
        ],
    )
    assert [(e["code"], e["field"]) for e in unknown["errors"]] == [
        ("INVALID", "lines.0.currencyCode")
    ]
    assert await snapshot(engine, tenant.schema) == before  # nothing written


async def test_revaluation_posts_one_reversible_entry_with_hand_computed_gain_and_loss(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = await Books.open(gql, tenant)
    await set_rate(books, "USD", "2026-03-01", "4.2")
    # USD 1,000.00 receivable and USD 500.00 payable, both booked at 4.2000 MYR.
    for lines in (
        [
            {"accountId": "1200", "debit": "1000.00", "currencyCode": "USD"},
            {"accountId": "4100", "credit": "4200"},
        ],
        [
            {"accountId": "5100", "debit": "2100"},
            {"accountId": "2100", "credit": "500.00", "currencyCode": "USD"},
        ],
    ):
        assert (await foreign_entry(books, lines))["errors"] == []
    await set_rate(books, "USD", "2026-03-31", "4.35")

    result = await revalue(books, "2026-03-31")
    assert result["errors"] == [], result
    entry = result["journalEntry"]
    assert entry["status"] == "POSTED" and entry["reference"] == "FX-REVALUATION"
    assert entry["postingDate"] == "2026-03-31"
    by_code = {
        (line["account"]["code"], line["baseDebit"], line["baseCredit"]) for line in entry["lines"]
    }
    # 1,000 x 4.35 = 4,350 vs 4,200 booked: gain 150; 500 x 4.35 = 2,175 vs 2,100: loss 75.
    assert by_code == {
        ("1200", "150.0000", "0.0000"),
        ("2100", "0.0000", "75.0000"),
        ("4920", "0.0000", "150.0000"),
        ("6800", "75.0000", "0.0000"),
    }
    assert all(line["currencyCode"] == "MYR" for line in entry["lines"])
    assert entry["totalAmount"] == "225.0000"
    assert {
        (x["currency"], x["foreignBalance"], x["rate"], x["baseAdjustment"])
        for x in result["lines"]
    } == {
        ("USD", "1000.0000", "4.35", "150.0000"),
        ("USD", "-500.0000", "4.35", "-75.0000"),
    }
    balance = await books.trial_balance("2026-03-31")
    assert tb_line(balance, "1200")["debit"] == "4350.0000"
    assert tb_line(balance, "2100")["credit"] == "2175.0000"
    assert balance["balanced"] is True

    # Already at the 31st's rate: nothing more to revalue (the revaluation counts as booked).
    again = await revalue(books, "2026-03-31")
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("INVALID_STATE", "asOf")]

    # The revaluation reverses like any entry; afterwards it can be redone.
    reversed_ = (await gql.data(REVERSE_ENTRY, {"input": {"id": entry["id"]}}, books.token))[
        "reverseJournalEntry"
    ]
    assert reversed_["errors"] == [], reversed_
    assert tb_line(await books.trial_balance("2026-03-31"), "1200")["debit"] == "4200.0000"
    redo = await revalue(books, "2026-03-31")
    assert redo["errors"] == [] and redo["journalEntry"]["totalAmount"] == "225.0000"

    # The per-currency read model equals the sum of the foreign lines.
    async with engine.connect() as conn:
        model = (
            await conn.execute(
                text(
                    f"SELECT currency_code, sum(debit_total - credit_total), "
                    f"sum(base_debit_total - base_credit_total) "
                    f'FROM "{tenant.schema}".account_currency_balances '
                    "WHERE company_id = :c GROUP BY currency_code"
                ),
                {"c": books.company_id},
            )
        ).all()
        lines = (
            await conn.execute(
                text(
                    f"SELECT currency_code, sum(debit - credit), sum(base_debit - base_credit) "
                    f'FROM "{tenant.schema}".journal_lines '
                    "WHERE company_id = :c AND currency_code <> 'MYR' GROUP BY currency_code"
                ),
                {"c": books.company_id},
            )
        ).all()
    assert [tuple(r) for r in model] == [tuple(r) for r in lines]


async def test_revaluation_auto_reverses_on_the_first_day_of_the_next_period(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    await set_rate(books, "USD", "2026-03-01", "4.2")
    await set_rate(books, "USD", "2026-03-31", "4.35")
    posted = await foreign_entry(
        books,
        [
            {"accountId": "1200", "debit": "1000.00", "currencyCode": "USD"},
            {"accountId": "4100", "credit": "4200"},
        ],
    )
    assert posted["errors"] == []
    result = await revalue(books, "2026-03-31", autoReverse=True)
    assert result["errors"] == [], result
    assert result["journalEntry"]["status"] == "REVERSED"
    assert result["reversal"]["postingDate"] == "2026-04-01"
    assert result["reversal"]["status"] == "POSTED"
    assert tb_line(await books.trial_balance("2026-03-31"), "1200")["debit"] == "4350.0000"
    assert tb_line(await books.trial_balance("2026-04-01"), "1200")["debit"] == "4200.0000"
    # At the end of April the March revaluation is no longer in force: revalue afresh.
    await set_rate(books, "USD", "2026-04-30", "4.1")
    april = await revalue(books, "2026-04-30")
    assert april["errors"] == [], april
    assert [x["baseAdjustment"] for x in april["lines"]] == ["-100.0000"]


async def test_revaluation_without_a_rate_for_a_held_currency_is_missing_rate(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    posted = await foreign_entry(
        books,
        [
            {"accountId": "1200", "debit": "100", "currencyCode": "EUR", "exchangeRate": "5"},
            {"accountId": "4100", "credit": "500"},
        ],
    )
    assert posted["errors"] == []
    refused = await revalue(books, "2026-03-31")
    assert refused["journalEntry"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("MISSING_RATE", "asOf")]
    assert "EUR" in refused["errors"][0]["message"]


BULK = f"""
mutation($company: ID!, $entries: [JournalEntryInput!]!) {{
  postJournalEntries(companyId: $company, entries: $entries) {{
    journalEntries {{ id status }} {ERRORS}
  }}
}}"""


async def test_bulk_posted_foreign_lines_are_revalued_too(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    await set_rate(books, "USD", "2026-03-31", "4.35")
    entries = [
        {
            "postingDate": f"2026-03-{day:02d}",
            "lines": [
                {
                    "accountId": books.id("1200"),
                    "debit": "500.00",
                    "currencyCode": "USD",
                    "exchangeRate": "4.2",
                },
                {"accountId": books.id("4100"), "credit": "2100"},
            ],
        }
        for day in (10, 11)
    ]
    posted = (await gql.data(BULK, {"company": books.company_id, "entries": entries}, books.token))[
        "postJournalEntries"
    ]
    assert posted["errors"] == [], posted
    result = await revalue(books, "2026-03-31")
    assert result["errors"] == [], result
    assert [(x["foreignBalance"], x["baseAdjustment"]) for x in result["lines"]] == [
        ("1000.0000", "150.0000")
    ]
