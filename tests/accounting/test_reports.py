"""Financial reports through the API: hand-computed balance sheet and income statement to the
cent, comparatives side by side, the general ledger's opening and running balances, CSV,
caching (a posting is seen at once; tenants never share an entry), isolation, and a statement
count that does not grow with the number of journal lines."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from tests.accounting.api import Books
from tests.conftest import GraphQLClient, LiveServer, StatementLog, TenantHandle

SECTION = "title totals groups { subtype title totals lines { accountId code name amounts } }"
BALANCE_SHEET = f"""
query($company: ID!, $asOf: Date!, $compareTo: [Date!]) {{
  balanceSheet(companyId: $company, asOf: $asOf, compareTo: $compareTo) {{
    companyId currencyCode columns {{ label from to }}
    assets {{ {SECTION} }} liabilities {{ {SECTION} }} equity {{ {SECTION} }}
    currentYearEarnings totalLiabilitiesAndEquity balanced csv
  }}
}}"""
INCOME_STATEMENT = f"""
query($company: ID!, $from: Date!, $to: Date!, $compareTo: [DateRangeInput!]) {{
  incomeStatement(companyId: $company, from: $from, to: $to, compareTo: $compareTo) {{
    companyId currencyCode columns {{ label from to }}
    revenue {{ {SECTION} }} costOfSales {{ {SECTION} }} grossProfit
    operatingExpenses {{ {SECTION} }} netIncome csv
  }}
}}"""
GENERAL_LEDGER = """
query($account: ID!, $from: Date!, $to: Date!, $first: Int, $after: String) {
  generalLedger(accountId: $account, from: $from, to: $to, first: $first, after: $after) {
    accountId code currencyCode openingBalance closingBalance csv
    edges { cursor node { date entryId entryNumber lineNumber description debit credit
                          runningBalance } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def keep_books(books: Books) -> None:
    """Q1 2026 of a small shop (figures checked by hand below)."""
    await books.entry(
        [("1110", "debit", "10000.00"), ("3100", "credit", "10000.00")], date="2026-01-10"
    )
    await books.entry(
        [("5100", "debit", "1200.50"), ("2100", "credit", "1200.50")], date="2026-02-05"
    )
    await books.entry(
        [("1110", "debit", "3000.25"), ("4100", "credit", "3000.25")], date="2026-03-15"
    )
    await books.entry(
        [("6200", "debit", "800.00"), ("1110", "credit", "800.00")], date="2026-03-20"
    )
    await books.entry([("1110", "debit", "50.00"), ("4910", "credit", "50.00")], date="2026-03-20")


def lines(section: dict[str, Any]) -> dict[str, list[str]]:
    return {x["code"] or x["name"]: x["amounts"] for g in section["groups"] for x in g["lines"]}


async def balance_sheet(books: Books, as_of: str, compare: list[str] | None = None) -> Any:
    data = await books.gql.data(
        BALANCE_SHEET,
        {"company": books.company_id, "asOf": as_of, "compareTo": compare},
        books.token,
    )
    return data["balanceSheet"]


async def income_statement(
    books: Books, start: str, end: str, compare: list[dict[str, str]] | None = None
) -> Any:
    data = await books.gql.data(
        INCOME_STATEMENT,
        {"company": books.company_id, "from": start, "to": end, "compareTo": compare},
        books.token,
    )
    return data["incomeStatement"]


def assert_balances(sheet: dict[str, Any]) -> None:
    for i, _ in enumerate(sheet["columns"]):
        assets = Decimal(sheet["assets"]["totals"][i])
        liabilities = Decimal(sheet["liabilities"]["totals"][i])
        equity = Decimal(sheet["equity"]["totals"][i])
        assert assets == liabilities + equity, (i, sheet)
        assert Decimal(sheet["totalLiabilitiesAndEquity"][i]) == assets
        assert sheet["balanced"][i] is True


async def test_balance_sheet_to_the_cent_with_current_year_earnings_and_comparatives(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    await keep_books(books)
    sheet = await balance_sheet(books, "2026-03-31", ["2026-01-31", "2025-12-31"])
    assert [c["to"] for c in sheet["columns"]] == ["2026-03-31", "2026-01-31", "2025-12-31"]
    assert sheet["currencyCode"] == "MYR"
    # bank 10000 + 3000.25 - 800 + 50; payables 1200.50; capital 10000
    assert lines(sheet["assets"]) == {"1110": ["12250.2500", "10000.0000", "0.0000"]}
    assert lines(sheet["liabilities"]) == {"2100": ["1200.5000", "0.0000", "0.0000"]}
    # earnings: 3000.25 + 50 - 1200.50 - 800
    assert lines(sheet["equity"]) == {
        "3100": ["10000.0000", "10000.0000", "0.0000"],
        "Current-year earnings": ["1049.7500", "0.0000", "0.0000"],
    }
    assert sheet["currentYearEarnings"] == ["1049.7500", "0.0000", "0.0000"]
    assert sheet["assets"]["totals"] == ["12250.2500", "10000.0000", "0.0000"]
    assert sheet["equity"]["totals"] == ["11049.7500", "10000.0000", "0.0000"]
    assert [g["subtype"] for g in sheet["assets"]["groups"]] == ["bank"]
    assert_balances(sheet)


async def test_income_statement_to_the_cent_with_a_comparative_range(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    await keep_books(books)
    report = await income_statement(
        books, "2026-01-01", "2026-03-31", [{"from": "2026-03-01", "to": "2026-03-31"}]
    )
    assert [(c["from"], c["to"]) for c in report["columns"]] == [
        ("2026-01-01", "2026-03-31"),
        ("2026-03-01", "2026-03-31"),
    ]
    assert lines(report["revenue"]) == {
        "4100": ["3000.2500", "3000.2500"],
        "4910": ["50.0000", "50.0000"],
    }
    assert [g["subtype"] for g in report["revenue"]["groups"]] == ["sales", "other_income"]
    assert report["revenue"]["totals"] == ["3050.2500", "3050.2500"]
    assert lines(report["costOfSales"]) == {"5100": ["1200.5000", "0.0000"]}
    assert report["grossProfit"] == ["1849.7500", "3050.2500"]
    assert lines(report["operatingExpenses"]) == {"6200": ["800.0000", "800.0000"]}
    assert report["netIncome"] == ["1049.7500", "2250.2500"]
    # CSV: the same figures as plain decimal strings, one column per period
    rows = list(csv.reader(io.StringIO(report["csv"])))
    assert rows[0] == [
        "section",
        "group",
        "code",
        "account",
        "2026-01-01 to 2026-03-31",
        "2026-03-01 to 2026-03-31",
    ]
    assert ["Revenue", "Sales", "4100", "Sales", "3000.2500", "3000.2500"] in rows
    assert rows[-1] == ["", "", "", "Net income", "1049.7500", "2250.2500"]
    for row in rows[1:]:
        for amount in row[4:]:
            assert Decimal(amount) == Decimal(amount).quantize(Decimal("0.0001"))


async def test_balance_sheet_csv(gql: GraphQLClient, tenant: TenantHandle) -> None:
    books = await Books.open(gql, tenant)
    await keep_books(books)
    sheet = await balance_sheet(books, "2026-03-31", ["2026-01-31"])
    rows = list(csv.reader(io.StringIO(sheet["csv"])))
    assert rows[0][4:] == ["As of 2026-03-31", "As of 2026-01-31"]
    assert ["Assets", "Bank", "1110", "Cash at Bank", "12250.2500", "10000.0000"] in rows
    assert ["Equity", "Earnings not yet closed", "", "Current-year earnings", "1049.7500",
            "0.0000"] in rows  # fmt: skip
    assert rows[-1] == ["", "", "", "Total liabilities and equity", "12250.2500", "10000.0000"]


async def test_general_ledger_opening_running_and_closing_balances_across_pages(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    await keep_books(books)
    seen: list[dict[str, Any]] = []
    after = None
    pages = 0
    while True:
        ledger = (
            await gql.data(
                GENERAL_LEDGER,
                {"account": books.id("1110"), "from": "2026-03-01", "to": "2026-03-31",
                 "first": 1, "after": after},
                tenant.token,
            )
        )["generalLedger"]  # fmt: skip
        pages += 1
        assert ledger["openingBalance"] == "10000.0000"  # January's capital, before `from`
        assert ledger["closingBalance"] == "12250.2500"
        seen += [e["node"] for e in ledger["edges"]]
        if not ledger["pageInfo"]["hasNextPage"]:
            break
        after = ledger["pageInfo"]["endCursor"]
    assert pages == 3 and len(seen) == 3
    assert [x["date"] for x in seen] == ["2026-03-15", "2026-03-20", "2026-03-20"]
    balance = Decimal("10000")
    for x in seen:  # each running balance follows from the one before, across pages
        balance += Decimal(x["debit"]) - Decimal(x["credit"])
        assert Decimal(x["runningBalance"]) == balance
        assert x["entryNumber"].startswith("JE-2026-")
    assert balance == Decimal("12250.25")
    assert seen[0]["debit"] == "3000.2500" and seen[0]["runningBalance"] == "13000.2500"
    rows = list(csv.reader(io.StringIO(ledger["csv"])))
    assert rows[1][3:] == ["Opening balance", "", "", "10000.0000"]
    assert rows[-1][3:] == ["Closing balance", "", "", "12250.2500"]


async def test_a_posting_shows_in_the_next_report_and_reversal_too(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    await keep_books(books)
    first = await balance_sheet(books, "2026-03-31")
    again = await balance_sheet(books, "2026-03-31")  # served from the cache
    assert again == first
    sale = await books.sale("99.99", date="2026-03-25")
    after = await balance_sheet(books, "2026-03-31")
    assert after["currentYearEarnings"] == ["1149.7400"]
    assert lines(after["assets"])["1110"] == ["12350.2400"]
    assert_balances(after)
    report = await income_statement(books, "2026-01-01", "2026-03-31")
    assert report["netIncome"] == ["1149.7400"]
    reversed_ = await gql.data(
        """mutation($input: ReverseJournalEntryInput!) {
             reverseJournalEntry(input: $input) { errors { code } } }""",
        {"input": {"id": sale["id"]}},
        tenant.token,
    )
    assert reversed_["reverseJournalEntry"]["errors"] == []
    assert (await balance_sheet(books, "2026-03-31"))["currentYearEarnings"] == ["1049.7500"]
    assert (await income_statement(books, "2026-01-01", "2026-03-31"))["netIncome"] == ["1049.7500"]


async def test_account_hierarchy_cache_follows_postings_and_new_accounts(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    query = """query($company: ID!) { accountHierarchy(companyId: $company) {
                 account { code } balance } }"""

    async def hierarchy() -> dict[str, str]:
        data = await gql.data(query, {"company": books.company_id}, tenant.token)
        return {n["account"]["code"]: n["balance"] for n in data["accountHierarchy"]}

    assert (await hierarchy())["1110"] == "0.0000"
    await books.sale("10.00")
    assert (await hierarchy())["1110"] == "10.0000"
    assert (await hierarchy())["1000"] == "10.0000"
    created = await gql.data(
        """mutation($input: CreateAccountInput!) {
             createAccount(input: $input) { errors { code } } }""",
        {"input": {"companyId": books.company_id, "code": "1130", "name": "Petty Cash",
                   "type": "ASSET", "subtype": "CASH", "parentId": books.id("1100")}},
        tenant.token,
    )  # fmt: skip
    assert created["createAccount"]["errors"] == []
    assert "1130" in await hierarchy()


async def test_tenants_and_companies_never_share_reports_or_cache_entries(
    gql: GraphQLClient,
    tenant: TenantHandle,
    other_tenant: TenantHandle,
    live_server: LiveServer,
) -> None:
    books = await Books.open(gql, tenant)
    await keep_books(books)
    assert (await balance_sheet(books, "2026-03-31"))["assets"]["totals"] == ["12250.2500"]
    theirs = await Books.open(gql, other_tenant)
    # the other tenant asks for our company and account: nothing (not even from the cache)
    assert (
        await gql.data(
            BALANCE_SHEET, {"company": books.company_id, "asOf": "2026-03-31"}, other_tenant.token
        )
    )["balanceSheet"] is None
    assert (
        await gql.data(
            INCOME_STATEMENT,
            {"company": books.company_id, "from": "2026-01-01", "to": "2026-03-31"},
            other_tenant.token,
        )
    )["incomeStatement"] is None
    assert (
        await gql.data(
            GENERAL_LEDGER,
            {"account": books.id("1110"), "from": "2026-01-01", "to": "2026-03-31"},
            other_tenant.token,
        )
    )["generalLedger"] is None
    # their own books are empty, and their cache entries are theirs
    own = await balance_sheet(theirs, "2026-03-31")
    assert own["assets"]["totals"] == ["0.0000"] and own["assets"]["groups"] == []
    redis = live_server.services.redis
    ours = [k async for k in redis.scan_iter(f"report:{tenant.id}:{books.company_id}:*")]
    leaked = [k async for k in redis.scan_iter(f"report:{other_tenant.id}:{books.company_id}:*")]
    assert ours and not leaked
    assert [k async for k in redis.scan_iter(f"report:{other_tenant.id}:{theirs.company_id}:*")]


async def test_a_company_the_user_cannot_enter_reads_as_null(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    from domain.identity.builtin_roles import ACCOUNTANT
    from tests.accounting.api import invite

    mine = await Books.open(gql, tenant)
    other = await Books.open(gql, tenant)
    await keep_books(other)
    clerk = await invite(
        gql, tenant, companies=(mine.company_id,), company_roles=(str(ACCOUNTANT.id),)
    )
    data = await gql.data(BALANCE_SHEET, {"company": other.company_id, "asOf": "2026-03-31"}, clerk)
    assert data["balanceSheet"] is None
    data = await gql.data(
        GENERAL_LEDGER,
        {"account": other.id("1110"), "from": "2026-01-01", "to": "2026-03-31"},
        clerk,
    )
    assert data["generalLedger"] is None


@pytest.mark.parametrize("entries", [2, 40])
async def test_report_statement_count_does_not_grow_with_lines(
    gql: GraphQLClient, tenant: TenantHandle, sql_log: StatementLog, entries: int
) -> None:
    books = await Books.open(gql, tenant)
    for i in range(entries):
        await books.sale("1.00", date=f"2026-0{1 + i % 3}-{10 + i % 15}")
    counts = {}
    sql_log.statements.clear()
    sheet = await balance_sheet(books, "2026-03-31", ["2026-02-28"])
    counts["balance_sheet"] = len(sql_log.touching(tenant.schema))
    assert sheet["assets"]["totals"][0] == f"{entries}.0000"
    sql_log.statements.clear()
    report = await income_statement(books, "2026-01-01", "2026-03-31")
    counts["income_statement"] = len(sql_log.touching(tenant.schema))
    assert report["netIncome"] == [f"{entries}.0000"]
    sql_log.statements.clear()
    await gql.data(
        GENERAL_LEDGER,
        {"account": books.id("1110"), "from": "2026-02-01", "to": "2026-03-31", "first": 5},
        tenant.token,
    )
    counts["general_ledger"] = len(sql_log.touching(tenant.schema))
    # the company, chart, years and balances (+ closing entries for the income statement);
    # the account, the currency, the balances and one page for the ledger
    assert counts == {"balance_sheet": 4, "income_statement": 5, "general_ledger": 4}, counts
    sql_log.statements.clear()
    await balance_sheet(books, "2026-03-31", ["2026-02-28"])  # cached: no SQL at all
    assert sql_log.touching(tenant.schema) == []
