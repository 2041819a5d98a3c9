"""What the database itself guarantees, whoever writes to it: month partitions created ahead,
entries that balance at commit, lines that stay on one side, posted entries that never change;
and the balance read models kept in step with the lines."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.accounting.api import CREATE_YEAR, YEARS, Books
from tests.conftest import GraphQLClient, TenantHandle


async def partitions(engine: AsyncEngine, schema: str) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n "
                "ON n.oid = p.relnamespace WHERE n.nspname = :s AND p.relname = 'journal_lines' "
                "ORDER BY 1"
            ),
            {"s": schema},
        )
        return list(rows.scalars())


async def where_lines_live(engine: AsyncEngine, schema: str, entry_id: str) -> set[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                f'SELECT DISTINCT tableoid::regclass::text FROM "{schema}".journal_lines '
                "WHERE transaction_id = :id"
            ),
            {"id": entry_id},
        )
        return {name.rsplit(".", 1)[-1].strip('"') for name in rows.scalars()}


async def test_month_partitions_are_created_ahead_and_lines_land_in_them(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    assert await partitions(engine, tenant.schema) == ["journal_lines_default"]
    books = await Books.open(gql, tenant)  # fiscal year 2026
    made = await partitions(engine, tenant.schema)
    months = [f"journal_lines_y2026m{m:02d}" for m in range(1, 13)]
    assert set(months) <= set(made) and "journal_lines_y2027m01" in made  # one month ahead

    entry = await books.sale("10.00", date="2026-07-31")
    assert await where_lines_live(engine, tenant.schema, entry["id"]) == {"journal_lines_y2026m07"}
    # A draft dated where no year exists yet still gets its own month, never the default.
    far = await books.entry(
        [("1110", "debit", "1"), ("4100", "credit", "1")], post=False, date="2031-05-20"
    )
    assert far["errors"] == []
    assert await where_lines_live(engine, tenant.schema, far["journalEntry"]["id"]) == {
        "journal_lines_y2031m05"
    }
    async with engine.connect() as conn:
        in_default = await conn.execute(
            text(f'SELECT count(*) FROM "{tenant.schema}".journal_lines_default')
        )
        assert in_default.scalar_one() == 0

    years = (await gql.data(YEARS, {"company": books.company_id}, tenant.token))["fiscalYears"]
    assert [(y["name"], len(y["periods"])) for y in years] == [("FY2026", 12)]
    assert years[0]["periods"][1] == {
        "id": books.period(2)["id"],
        "number": 2,
        "startDate": "2026-02-01",
        "endDate": "2026-02-28",
        "status": "OPEN",
    }


async def test_overlapping_fiscal_years_are_refused(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)

    overlap = await gql.data(
        CREATE_YEAR,
        {"input": {"companyId": books.company_id, "startDate": "2026-06-01"}},
        tenant.token,
    )
    assert [(e["code"], e["field"]) for e in overlap["createFiscalYear"]["errors"]] == [
        ("CONFLICT", "startDate")
    ]
    nxt = await books.create_year("2027-01-01")
    assert (nxt["name"], nxt["endDate"]) == ("FY2027", "2027-12-31")
    first_2027 = await books.sale("5", date="2027-01-02")
    assert first_2027["entryNumber"] == "JE-2027-000001"  # numbering restarts per year
    assert (await books.sale("5"))["entryNumber"] == "JE-2026-000001"


async def _ids(engine: AsyncEngine, schema: str, company: str) -> dict[str, str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                f'SELECT account_code, id FROM "{schema}".chart_of_accounts WHERE company_id = :c'
            ),
            {"c": company},
        )
        return {code: str(i) for code, i in rows}


async def test_the_database_refuses_an_entry_that_does_not_balance(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    """Even code that bypasses the domain cannot commit an unbalanced entry."""
    books = await Books.open(gql, tenant)
    ids = await _ids(engine, tenant.schema, books.company_id)
    s = tenant.schema

    async def write(lines: list[tuple[str, str, str]]) -> None:
        entry = uuid.uuid4()
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    f'INSERT INTO "{s}".transactions (id, company_id, transaction_date, '
                    "total_amount, currency_code, created_by) "
                    "VALUES (:id, :c, '2026-03-03', 10, 'MYR', :u)"
                ),
                {"id": entry, "c": books.company_id, "u": tenant.admin_id},
            )
            for n, (code, debit, credit) in enumerate(lines, start=1):
                await conn.execute(
                    text(
                        f'INSERT INTO "{s}".journal_lines (transaction_id, line_number, '
                        "transaction_date, company_id, account_id, currency_code, exchange_rate,"
                        " debit, credit, base_debit, base_credit) VALUES (:t, :n, '2026-03-03',"
                        " :c, :a, 'MYR', 1, :d, :cr, :d, :cr)"
                    ),
                    {
                        "t": entry,
                        "n": n,
                        "c": books.company_id,
                        "a": ids[code],
                        "d": Decimal(debit),
                        "cr": Decimal(credit),
                    },
                )

    await write([("1110", "10", "0"), ("4100", "0", "10")])  # balanced: fine
    with pytest.raises(DBAPIError, match="does not balance"):
        await write([("1110", "10", "0"), ("4100", "0", "9.9999")])
    with pytest.raises(DBAPIError, match="journal_lines_one_side"):
        await write([("1110", "10", "10"), ("4100", "0", "0")])
    with pytest.raises(DBAPIError, match="journal_lines_not_negative"):
        await write([("1110", "-10", "0"), ("4100", "0", "-10")])
    other = await Books.open(gql, tenant, year_start=None)
    foreign = await _ids(engine, tenant.schema, other.company_id)
    ids["4100"] = foreign["4100"]  # another company's account: the composite key refuses it
    with pytest.raises(DBAPIError, match="foreign key"):
        await write([("1110", "10", "0"), ("4100", "0", "10")])


async def test_posted_entries_cannot_be_changed_in_the_database(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = await Books.open(gql, tenant)
    entry = await books.sale("100.00")
    s = tenant.schema
    for statement in (
        f'UPDATE "{s}".journal_lines SET debit = 1, base_debit = 1 WHERE transaction_id = :id '
        "AND line_number = 1",
        f'DELETE FROM "{s}".journal_lines WHERE transaction_id = :id',
        f'UPDATE "{s}".transactions SET total_amount = 1 WHERE id = :id',
        f"UPDATE \"{s}\".transactions SET status = 'draft' WHERE id = :id",
        f'DELETE FROM "{s}".transactions WHERE id = :id',
    ):
        with pytest.raises(DBAPIError, match="cannot change"):
            async with engine.begin() as conn:
                await conn.execute(text(statement), {"id": entry["id"]})
    tb = await books.trial_balance()
    assert tb["totalDebit"] == "100.0000"


async def test_balances_read_model_equals_the_lines(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = await Books.open(gql, tenant)
    for day, amount in (("2026-01-31", "10.10"), ("2026-02-01", "20.20"), ("2026-02-01", "1")):
        await books.sale(amount, date=day)
    await books.entry([("6200", "debit", "5"), ("1110", "credit", "5")], date="2026-02-14")
    async with engine.connect() as conn:
        monthly = (
            await conn.execute(
                text(
                    f"SELECT account_id, period_month, debit_total, credit_total FROM "
                    f'"{tenant.schema}".account_balances ORDER BY 1, 2'
                )
            )
        ).all()
        daily = (
            await conn.execute(
                text(
                    f"SELECT account_id, balance_date, debit_total, credit_total FROM "
                    f'"{tenant.schema}".account_daily_balances ORDER BY 1, 2'
                )
            )
        ).all()
    cash = uuid.UUID(books.id("1110"))
    assert [
        (r.period_month, r.debit_total, r.credit_total) for r in monthly if r.account_id == cash
    ] == [
        (date(2026, 1, 1), Decimal("10.1"), Decimal(0)),
        (date(2026, 2, 1), Decimal("21.2"), Decimal(5)),
    ]
    assert [(r.balance_date, r.debit_total) for r in daily if r.account_id == cash] == [
        (date(2026, 1, 31), Decimal("10.1")),
        (date(2026, 2, 1), Decimal("21.2")),
        (date(2026, 2, 14), Decimal(0)),
    ]
    feb_13 = await books.trial_balance("2026-02-13")
    assert feb_13["totalDebit"] == "31.3000"
