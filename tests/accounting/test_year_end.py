"""Year-end close: net income moves to retained earnings with a closing entry, every period of
the year closes, the next year's income statement starts at zero and the balance sheet still
balances."""

from __future__ import annotations

import importlib.util
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.accounting.year_end import closing_lines
from domain.identity.builtin_roles import VIEWER
from tests.accounting.api import YEARS, Books, invite
from tests.accounting.test_reports import (
    assert_balances,
    balance_sheet,
    income_statement,
    keep_books,
    lines,
)
from tests.conftest import GraphQLClient, TenantHandle

CLOSE_YEAR = """
mutation($input: CloseFiscalYearInput!) {
  closeFiscalYear(input: $input) { closingEntryId closedPeriods errors { code message field } }
}"""


async def close_year(
    books: Books, year: int = 0, account: str = "3200", token: str | None = None
) -> dict[str, Any]:
    return await books.gql(
        CLOSE_YEAR,
        {
            "input": {
                "fiscalYearId": books.years[year]["id"],
                "retainedEarningsAccountId": books.id(account),
            }
        },
        token or books.token,
    )


async def test_closing_the_year_moves_net_income_to_retained_earnings(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    await keep_books(books)  # 2026 net income: 1049.75
    await books.create_year("2027-01-01")
    body = await close_year(books)
    payload = body["data"]["closeFiscalYear"]
    assert payload["errors"] == [] and payload["closingEntryId"], body
    assert payload["closedPeriods"] == 12

    # the closing entry: each P&L balance reversed, 1049.75 credited to retained earnings
    entry = (
        await gql.data(
            "query($id: ID!) { journalEntry(id: $id) { postingDate status reference "
            "lines { account { code } debit credit } } }",
            {"id": payload["closingEntryId"]},
            tenant.token,
        )
    )["journalEntry"]
    assert entry["postingDate"] == "2026-12-31" and entry["status"] == "POSTED"
    moved = {x["account"]["code"]: (x["debit"], x["credit"]) for x in entry["lines"]}
    assert moved == {
        "4100": ("3000.2500", "0.0000"),
        "4910": ("50.0000", "0.0000"),
        "5100": ("0.0000", "1200.5000"),
        "6200": ("0.0000", "800.0000"),
        "3200": ("0.0000", "1049.7500"),
    }

    # the year's income statement still shows the year (the closing entry is left out)
    year = await income_statement(books, "2026-01-01", "2026-12-31")
    assert year["netIncome"] == ["1049.7500"]
    assert lines(year["revenue"])["4100"] == ["3000.2500"]

    # the balance sheet at year end: retained earnings carry it, no current-year earnings
    sheet = await balance_sheet(books, "2026-12-31")
    assert lines(sheet["equity"])["3200"] == ["1049.7500"]
    assert sheet["currentYearEarnings"] == ["0.0000"]
    assert sheet["equity"]["totals"] == ["11049.7500"]
    assert_balances(sheet)

    # the trial balance: revenue and expense accounts are at zero after the close
    tb = await books.trial_balance("2026-12-31")
    nets = {x["account"]["code"]: (x["debit"], x["credit"]) for x in tb["lines"]}
    for code in ("4100", "4910", "5100", "6200"):
        assert nets[code] == ("0.0000", "0.0000")
    assert tb["balanced"] is True

    # the next year starts at zero, and its own income counts as current-year earnings
    fresh = await income_statement(books, "2027-01-01", "2027-03-31")
    assert fresh["netIncome"] == ["0.0000"] and fresh["revenue"]["groups"] == []
    await books.sale("100.00", date="2027-02-01")
    assert (await income_statement(books, "2027-01-01", "2027-03-31"))["netIncome"] == ["100.0000"]
    later = await balance_sheet(books, "2027-03-31", ["2026-12-31"])
    assert later["currentYearEarnings"] == ["100.0000", "0.0000"]
    assert lines(later["equity"])["3200"] == ["1049.7500", "1049.7500"]
    assert_balances(later)

    # every period of 2026 is closed: nothing more posts into it, and it does not close twice
    years = (await gql.data(YEARS, {"company": books.company_id}, tenant.token))["fiscalYears"]
    assert {p["status"] for p in years[0]["periods"]} == {"CLOSED"}
    assert {p["status"] for p in years[1]["periods"]} == {"OPEN"}
    late = await books.entry(
        [("1110", "debit", "1.00"), ("4100", "credit", "1.00")], date="2026-06-01"
    )
    assert late["errors"][0]["code"] == "PERIOD_CLOSED"
    again = (await close_year(books))["data"]["closeFiscalYear"]
    assert again["errors"][0]["code"] == "INVALID_STATE" and again["closingEntryId"] is None


async def test_closing_refuses_a_non_equity_account_and_needs_period_close(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    await keep_books(books)
    wrong = (await close_year(books, account="1110"))["data"]["closeFiscalYear"]
    assert wrong["errors"][0]["field"] == "retainedEarningsAccountId"
    viewer = await invite(gql, tenant, roles=(str(VIEWER.id),))
    body = await close_year(books, token=viewer)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    stranger = await close_year(books, token=other_tenant.token)
    assert stranger["data"]["closeFiscalYear"]["errors"][0]["code"] == "NOT_FOUND"
    # nothing was written: the year's periods are all still open
    years = (await gql.data(YEARS, {"company": books.company_id}, tenant.token))["fiscalYears"]
    assert {p["status"] for p in years[0]["periods"]} == {"OPEN"}
    assert (await balance_sheet(books, "2026-12-31"))["currentYearEarnings"] == ["1049.7500"]


def test_a_loss_debits_retained_earnings() -> None:
    sales, rent, re = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    out = closing_lines({sales: Decimal("-100.00"), rent: Decimal("250.50")}, re)
    by_account = {x.account_id: (x.debit, x.credit) for x in out}
    assert by_account == {
        sales: (Decimal("100.00"), None),
        rent: (None, Decimal("250.50")),
        re: (Decimal("150.50"), None),
    }
    assert closing_lines({sales: Decimal(0)}, re) == ()


async def test_a_user_entry_referenced_year_end_counts_and_only_the_close_is_left_out(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    """The closing entry is known by its kind, set by closeFiscalYear alone: a user's entry
    whose reference merely reads "YEAR-END: ..." is an expense like any other."""
    books = await Books.open(gql, tenant, year_start="2025-01-01")
    await books.sale("15000.00", date="2025-06-30")
    bonus = await books.entry(
        [("6100", "debit", "5000.00"), ("2110", "credit", "5000.00")],
        date="2025-12-31",
        reference="YEAR-END: bonus accrual",
    )
    assert bonus["errors"] == [], bonus

    # the income statement, the trial balance and the balance sheet tell one story
    year = await income_statement(books, "2025-01-01", "2025-12-31")
    assert lines(year["operatingExpenses"])["6100"] == ["5000.0000"]
    assert year["operatingExpenses"]["totals"] == ["5000.0000"]
    assert year["netIncome"] == ["10000.0000"]
    tb = await books.trial_balance("2025-12-31")
    nets = {x["account"]["code"]: (x["debit"], x["credit"]) for x in tb["lines"]}
    assert nets["6100"] == ("5000.0000", "0.0000")
    sheet = await balance_sheet(books, "2025-12-31")
    assert sheet["currentYearEarnings"] == ["10000.0000"]
    assert_balances(sheet)

    # the real close still moves the year's income and is the only entry left out
    await books.create_year("2026-01-01")
    closed = (await close_year(books))["data"]["closeFiscalYear"]
    assert closed["errors"] == [] and closed["closingEntryId"], closed
    kinds = await gql.data(
        "query($user: ID!, $close: ID!) { user: journalEntry(id: $user) { kind reference } "
        "close: journalEntry(id: $close) { kind } }",
        {"user": bonus["journalEntry"]["id"], "close": closed["closingEntryId"]},
        tenant.token,
    )
    assert kinds["user"] == {"kind": "STANDARD", "reference": "YEAR-END: bonus accrual"}
    assert kinds["close"] == {"kind": "YEAR_END_CLOSING"}
    after = await income_statement(books, "2025-01-01", "2025-12-31")
    assert lines(after["operatingExpenses"])["6100"] == ["5000.0000"]
    assert after["netIncome"] == ["10000.0000"]
    sheet = await balance_sheet(books, "2025-12-31")
    assert sheet["currentYearEarnings"] == ["0.0000"]
    assert lines(sheet["equity"])["3200"] == ["10000.0000"]
    assert_balances(sheet)


def _closing_kind_migration() -> Any:
    path = (
        Path(__file__).parents[2]
        / "db/migrations/tenant/versions/0011_tenant_closing_entry_kind.py"
    )
    spec = importlib.util.spec_from_file_location("closing_entry_kind", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_migration_finds_closing_entries_by_the_close_command_not_the_text(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    """Books closed before the kind existed: the entry closeFiscalYear posted becomes the
    closing entry; a user's entry with the very same reference text stays a standard one."""
    books = await Books.open(gql, tenant, year_start="2025-01-01")
    await books.sale("700.00", date="2025-03-01")
    forged = await books.entry(
        [("6100", "debit", "40.00"), ("1110", "credit", "40.00")],
        date="2025-12-31",
        reference=f"YEAR-END:{books.years[0]['id']}",
    )
    assert forged["errors"] == [], forged
    await books.create_year("2026-01-01")
    closed = (await close_year(books))["data"]["closeFiscalYear"]
    assert closed["errors"] == [], closed
    ids = {"close": closed["closingEntryId"], "user": forged["journalEntry"]["id"]}

    async with engine.begin() as conn:  # as the books were: every entry standard
        await conn.execute(text(f'SET LOCAL search_path TO "{tenant.schema}", shared, public'))
        await conn.execute(text("ALTER TABLE transactions DISABLE TRIGGER transactions_immutable"))
        await conn.execute(text("UPDATE transactions SET kind = 'standard'"))
        await conn.execute(text(_closing_kind_migration().MARK_CLOSING_ENTRIES))
        await conn.execute(text("ALTER TABLE transactions ENABLE TRIGGER transactions_immutable"))
        kinds = dict(
            (
                await conn.execute(
                    text("SELECT id::text, kind FROM transactions WHERE id::text IN (:a, :b)"),
                    {"a": ids["close"], "b": ids["user"]},
                )
            ).all()
        )
    assert kinds == {ids["close"]: "year_end_closing", ids["user"]: "standard"}
    year = await income_statement(books, "2025-01-01", "2025-12-31")
    assert year["netIncome"] == ["660.0000"]
