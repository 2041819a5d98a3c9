"""Entry numbers written by SQL (a posting's `number_entry`, the CSV import) are the domain's
`entry_number`: its prefix per fiscal year, its digits, more digits once the sequence outgrows
them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.driver_path.posting import entry_number_sql
from domain.accounting.model import entry_number, entry_number_prefix
from server.services import Endpoints
from server.settings import Settings
from tests.accounting.api import Books
from tests.accounting.test_bulk import write_csv
from tests.conftest import GraphQLClient, TenantHandle
from tests.tenancy.test_cli import bigledger


async def test_the_sql_format_is_the_domains(engine: AsyncEngine) -> None:
    query = text(f"SELECT {entry_number_sql(':prefix', 'CAST(:n AS bigint)')}")
    async with engine.connect() as conn:
        for year_end in (date(2026, 12, 31), date(2027, 6, 30)):
            for n in (1, 42, 999_999, 1_000_000, 12_345_678_901):
                prefix = entry_number_prefix(year_end)
                formatted = (await conn.execute(query, {"prefix": prefix, "n": n})).scalar_one()
                assert formatted == entry_number(year_end, n)


async def test_imported_and_posted_numbers_are_the_domains_per_fiscal_year(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    endpoints: Endpoints,
    settings: Settings,
    tmp_path: Path,
) -> None:
    books = await Books.open(gql, tenant, year_start="2025-07-01")  # ends 2026-06-30
    await books.create_year("2026-07-01")  # ends 2027-06-30
    async with engine.begin() as conn:  # the second year's numbers about to outgrow 6 digits
        later_end = (
            await conn.execute(
                text(
                    f'UPDATE "{tenant.schema}".entry_number_sequences s SET next_value = 999999'
                    f' FROM "{tenant.schema}".fiscal_years y WHERE y.id = s.fiscal_year_id'
                    " AND y.start_date = '2026-07-01' RETURNING y.end_date"
                )
            )
        ).scalar_one()
    earlier_end = date(2026, 6, 30)
    rows = []
    for ref, day in (("A", "2026-03-02"), ("B", "2026-09-01"), ("C", "2026-10-05")):
        rows.append([ref, day, "1110", "import", "10.00", "", "", ""])
        rows.append([ref, day, "4100", "import", "", "10.00", "", ""])
    path = tmp_path / "two-years.csv"
    write_csv(path, rows)

    done = bigledger(
        endpoints, settings, "import", "journal", str(path), "--tenant", tenant.slug,
        "--company", books.company_id,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    async with engine.connect() as conn:
        numbers = dict(
            (
                await conn.execute(
                    text(f'SELECT reference, entry_number FROM "{tenant.schema}".transactions')
                )
            ).all()
        )
    assert numbers == {
        "A": entry_number(earlier_end, 1),
        "B": entry_number(later_end, 999_999),
        "C": entry_number(later_end, 1_000_000),
    }
    posted = await books.sale("1.00", date="2026-11-02")
    assert posted["entryNumber"] == entry_number(later_end, 1_000_001) == "JE-2027-1000001"
