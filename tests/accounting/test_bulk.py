"""Bulk posting: postJournalEntries (one transaction, all or nothing) and the CSV import CLI."""

from __future__ import annotations

import csv
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.services import Endpoints
from server.settings import Settings
from tests.accounting.api import ERRORS, Books, snapshot
from tests.conftest import GraphQLClient, TenantHandle
from tests.tenancy.test_cli import bigledger

POST_MANY = f"""
mutation($company: ID!, $entries: [JournalEntryInput!]!) {{
  postJournalEntries(companyId: $company, entries: $entries) {{
    journalEntries {{ id entryNumber status postingDate totalAmount }}
    {ERRORS}
  }}
}}"""

CODES = ("1110", "1120", "4100", "5100", "2110", "1210")


async def read_models_match_lines(engine: AsyncEngine, schema: str) -> None:
    """Both balance read models equal the sums of the journal lines, row for row."""
    async with engine.connect() as conn:
        for table, key, day in (
            ("account_balances", "period_month", "date_trunc('month', transaction_date)::date"),
            ("account_daily_balances", "balance_date", "transaction_date"),
        ):
            from_lines = (
                await conn.execute(
                    text(
                        f"SELECT account_id, {day}, sum(base_debit), sum(base_credit) "
                        f'FROM "{schema}".journal_lines GROUP BY 1, 2'
                    )
                )
            ).all()
            model = (
                await conn.execute(
                    text(
                        f"SELECT account_id, {key}, debit_total, credit_total "
                        f'FROM "{schema}".{table} WHERE debit_total + credit_total > 0'
                    )
                )
            ).all()
            assert sorted(map(tuple, from_lines)) == sorted(map(tuple, model)), table


def entry(
    books: Books, day: str, amount: str, debit: str = "1110", credit: str = "4100"
) -> dict[str, Any]:
    return {
        "postingDate": day,
        "reference": f"bulk {day} {amount}",
        "lines": [
            {"accountId": books.id(debit), "debit": amount},
            {"accountId": books.id(credit), "credit": amount},
        ],
    }


async def test_two_hundred_entries_post_at_once_with_gapless_numbers(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = await Books.open(gql, tenant)
    rng = random.Random(7)
    entries, expected = [], Decimal(0)
    for i in range(200):
        amount = Decimal(rng.randint(1, 10_000_000)) / 100
        day = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}"
        debit, credit = rng.sample(CODES, 2)
        entries.append(entry(books, day, str(amount), debit, credit))
        expected += amount

    result = (
        await gql.data(POST_MANY, {"company": books.company_id, "entries": entries}, tenant.token)
    )["postJournalEntries"]

    assert result["errors"] == []
    posted = result["journalEntries"]
    assert len(posted) == 200
    assert [p["entryNumber"] for p in posted] == [f"JE-2026-{n:06d}" for n in range(1, 201)]
    assert {p["status"] for p in posted} == {"POSTED"}
    assert [p["postingDate"] for p in posted] == [e["postingDate"] for e in entries]
    trial = await books.trial_balance()
    assert trial["balanced"]
    assert sum(Decimal(line["totalDebits"]) for line in trial["lines"]) == expected
    await read_models_match_lines(engine, tenant.schema)
    # A single post afterwards continues the same sequence.
    after = await books.sale("1.00", date="2026-06-01")
    assert after["entryNumber"] == "JE-2026-000201"


async def test_one_bad_entry_among_fifty_writes_nothing_and_names_every_error(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = await Books.open(gql, tenant)
    before = await snapshot(engine, tenant.schema)
    entries = [entry(books, "2026-03-10", f"{i + 1}.00") for i in range(50)]
    entries[17]["lines"][0]["debit"] = "-5.00"  # negative
    entries[30]["lines"][1]["credit"] = "9.99"  # unbalanced
    entries[42]["postingDate"] = "2025-06-01"  # no fiscal year

    result = (
        await gql.data(POST_MANY, {"company": books.company_id, "entries": entries}, tenant.token)
    )["postJournalEntries"]

    assert result["journalEntries"] == []
    fields = [e["field"] for e in result["errors"]]
    assert "entries.17.lines.0.debit" in fields
    assert "entries.30.lines" in fields
    assert "entries.42.postingDate" in fields
    assert all(f.split(".")[1] in {"17", "30", "42"} for f in fields)
    assert await snapshot(engine, tenant.schema) == before
    first = await books.sale("1.00")  # no number was used up
    assert first["entryNumber"] == "JE-2026-000001"


async def test_bulk_posting_stays_in_the_callers_tenant(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    result = (
        await gql.data(
            POST_MANY,
            {"company": books.company_id, "entries": [entry(books, "2026-03-10", "5.00")]},
            other_tenant.token,
        )
    )["postJournalEntries"]
    assert result["journalEntries"] == [] and result["errors"][0]["code"] == "NOT_FOUND"


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "entry_ref",
                "date",
                "account_code",
                "description",
                "debit",
                "credit",
                "currency",
                "exchange_rate",
            ]
        )
        writer.writerows(rows)


def generated_rows(entries: int, seed: int = 3) -> tuple[list[list[str]], Decimal]:
    rng = random.Random(seed)
    rows, total = [], Decimal(0)
    for i in range(entries):
        amount = Decimal(rng.randint(1, 5_000_000)) / 100
        day = f"2026-{1 + i * 12 // entries:02d}-{1 + i % 28:02d}"
        debit, credit = rng.sample(CODES, 2)
        rows.append([f"E{i}", day, debit, "import", str(amount), "", "", ""])
        rows.append([f"E{i}", day, credit, "import", "", str(amount), "", ""])
        total += amount
    return rows, total


async def test_cli_imports_five_thousand_lines(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    endpoints: Endpoints,
    settings: Settings,
    tmp_path: Path,
) -> None:
    books = await Books.open(gql, tenant)
    rows, total = generated_rows(2_500)
    path = tmp_path / "journal.csv"
    write_csv(path, rows)

    done = bigledger(
        endpoints, settings, "import", "journal", str(path), "--tenant", tenant.slug,
        "--company", books.company_id, "--batch-size", "1000",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "imported 5000 lines, 2500 entries" in done.stdout
    assert "entries posted 2,500" in done.stderr  # progress lines
    trial = await books.trial_balance()
    assert trial["balanced"]
    assert sum(Decimal(line["totalDebits"]) for line in trial["lines"]) == total
    assert sum(Decimal(line["totalCredits"]) for line in trial["lines"]) == total
    await read_models_match_lines(engine, tenant.schema)
    async with engine.connect() as conn:
        numbers = (
            await conn.execute(
                text(
                    f'SELECT entry_number, reference FROM "{tenant.schema}".transactions '
                    "ORDER BY entry_number"
                )
            )
        ).all()
    assert [n for n, _ in numbers] == [f"JE-2026-{n:06d}" for n in range(1, 2_501)]
    assert [r for _, r in numbers] == [f"E{i}" for i in range(2_500)]  # file order
    after = await books.sale("1.00", date="2026-06-01")
    assert after["entryNumber"] == "JE-2026-002501"


async def test_cli_rejects_an_unbalanced_entry_naming_its_line(
    gql: GraphQLClient,
    tenant: TenantHandle,
    other_tenant: TenantHandle,
    engine: AsyncEngine,
    endpoints: Endpoints,
    settings: Settings,
    tmp_path: Path,
) -> None:
    books = await Books.open(gql, tenant)
    rows, _ = generated_rows(20)
    rows[21][5] = "999.99"  # E10 unbalanced: credit on file line 23, reported at its first line 22
    rows[30][2] = "9999"  # no such account (file line 32)
    path = tmp_path / "bad.csv"
    write_csv(path, rows)
    before = await snapshot(engine, tenant.schema)

    rejected = bigledger(
        endpoints, settings, "import", "journal", str(path), "--tenant", tenant.slug,
        "--company", books.company_id,
    )  # fmt: skip

    assert rejected.returncode == 2
    assert "line 22: entry E10 does not balance" in rejected.stderr, rejected.stderr
    assert "line 32: account 9999 does not exist in this company" in rejected.stderr
    assert "Traceback" not in rejected.stderr
    assert await snapshot(engine, tenant.schema) == before

    # Format errors: every one named by its line, still nothing written.
    rows, _ = generated_rows(5)
    rows[2][1] = "2026-02-30"  # line 4
    rows[5][5] = "12.34567"  # line 7
    rows[7][4] = "-3"  # line 9
    write_csv(path, rows)
    malformed = bigledger(
        endpoints, settings, "import", "journal", str(path), "--tenant", tenant.slug,
        "--company", books.company_id,
    )  # fmt: skip
    assert malformed.returncode == 2
    assert "line 4: no such date 2026-02-30" in malformed.stderr, malformed.stderr
    assert "line 7: an amount has more than 4 decimal places" in malformed.stderr
    assert "line 9: amounts are never negative" in malformed.stderr
    assert await snapshot(engine, tenant.schema) == before

    # Another tenant cannot be named to reach this company.
    foreign = bigledger(
        endpoints, settings, "import", "journal", str(path), "--tenant", other_tenant.slug,
        "--company", books.company_id,
    )  # fmt: skip
    assert foreign.returncode == 2 and "no company" in foreign.stderr
    assert await snapshot(engine, tenant.schema) == before


async def test_bulk_posting_counts_against_the_monthly_transaction_limit(
    gql: GraphQLClient, make_tenant: Any, engine: AsyncEngine, live_server: Any
) -> None:
    from db.tenant_plans import set_plan

    small = await make_tenant("txlimit")
    books = await Books.open(gql, small)
    await set_plan(
        engine, live_server.services.redis, slug=small.slug, limits={"maxTransactions": 12}
    )
    ten = [entry(books, "2026-03-10", f"{i + 1}.00") for i in range(10)]
    first = (await gql.data(POST_MANY, {"company": books.company_id, "entries": ten}, small.token))[
        "postJournalEntries"
    ]
    assert first["errors"] == [] and len(first["journalEntries"]) == 10
    before = await snapshot(engine, small.schema)

    again = (
        await gql.data(POST_MANY, {"company": books.company_id, "entries": ten[:3]}, small.token)
    )["postJournalEntries"]

    assert again["journalEntries"] == []
    assert [e["code"] for e in again["errors"]] == ["LIMIT_EXCEEDED"]
    assert await snapshot(engine, small.schema) == before
    two = (
        await gql.data(POST_MANY, {"company": books.company_id, "entries": ten[:2]}, small.token)
    )["postJournalEntries"]
    assert two["errors"] == [] and len(two["journalEntries"]) == 2  # exactly up to the limit


async def test_cli_batches_commit_one_by_one_and_the_import_resumes(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    endpoints: Endpoints,
    settings: Settings,
    tmp_path: Path,
) -> None:
    books = await Books.open(gql, tenant)
    rows, total = generated_rows(20)
    good_credit = rows[25][5]
    rows[25][5] = "0.01"  # E12 (lines 26-27) unbalanced: in the third batch of 10 lines
    path = tmp_path / "resume.csv"
    write_csv(path, rows)
    args = ("import", "journal", str(path), "--tenant", tenant.slug,
            "--company", books.company_id, "--batch-size", "10")  # fmt: skip

    failed = bigledger(endpoints, settings, *args)

    assert failed.returncode == 2
    assert "batch starting at line 22 was rejected" in failed.stderr, failed.stderr
    assert "line 26: entry E12 does not balance" in failed.stderr
    assert "resume with --start-line 22" in failed.stderr
    async with engine.connect() as conn:
        posted = (
            await conn.execute(text(f'SELECT count(*) FROM "{tenant.schema}".transactions'))
        ).scalar_one()
    assert posted == 10  # the two batches before it (E0-E9) stay committed

    rows[25][5] = good_credit
    write_csv(path, rows)
    resumed = bigledger(endpoints, settings, *args, "--start-line", "22")

    assert resumed.returncode == 0, resumed.stderr
    trial = await books.trial_balance()
    assert sum(Decimal(line["totalDebits"]) for line in trial["lines"]) == total
    async with engine.connect() as conn:
        refs = (
            await conn.execute(
                text(
                    f'SELECT entry_number, reference FROM "{tenant.schema}".transactions '
                    "ORDER BY entry_number"
                )
            )
        ).all()
    assert refs == [(f"JE-2026-{i + 1:06d}", f"E{i}") for i in range(20)]


async def test_cli_import_feeds_currency_balances_and_writes_one_event_per_batch(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    endpoints: Endpoints,
    settings: Settings,
    tmp_path: Path,
) -> None:
    books = await Books.open(gql, tenant)
    rows, _ = generated_rows(6)  # 12 lines in base currency
    # Two entries in US dollars: 100.00 at 4.5 and 20.50 at 4.4 (base 450.00 / 90.20).
    rows += [
        ["U1", "2026-03-05", "1110", "usd", "100.00", "", "USD", "4.5"],
        ["U1", "2026-03-05", "4100", "usd", "", "100.00", "USD", "4.5"],
        ["U2", "2026-03-05", "1110", "usd", "20.50", "", "USD", "4.4"],
        ["U2", "2026-03-05", "4100", "usd", "", "20.50", "USD", "4.4"],
    ]
    path = tmp_path / "fx.csv"
    write_csv(path, rows)
    done = bigledger(
        endpoints, settings, "import", "journal", str(path), "--tenant", tenant.slug,
        "--company", books.company_id, "--batch-size", "8",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    schema = tenant.schema
    async with engine.connect() as conn:
        fx = (
            await conn.execute(
                text(
                    "SELECT a.account_code, b.currency_code, b.balance_date::text, b.debit_total,"
                    " b.credit_total, b.base_debit_total, b.base_credit_total"
                    f' FROM "{schema}".account_currency_balances b'
                    f' JOIN "{schema}".chart_of_accounts a ON a.id = b.account_id ORDER BY 1'
                )
            )
        ).all()
        events = (
            await conn.execute(
                text(
                    "SELECT event_type, aggregate_id::text, envelope -> 'payload'"
                    f' FROM "{schema}".outbox WHERE event_type = :t ORDER BY id'
                ),
                {"t": "JournalImported"},
            )
        ).all()
        posted_events = (
            await conn.execute(
                text(
                    f'SELECT count(*) FROM "{schema}".outbox'
                    " WHERE event_type = 'TransactionPosted'"
                )
            )
        ).scalar_one()
        audited = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM shared.audit_log WHERE tenant_id = :t"
                    " AND operation = 'importJournal'"
                ),
                {"t": tenant.id},
            )
        ).scalar_one()
    assert [tuple(map(str, r)) for r in fx] == [
        ("1110", "USD", "2026-03-05", "120.5000", "0.0000", "540.2000", "0.0000"),
        ("4100", "USD", "2026-03-05", "0.0000", "120.5000", "0.0000", "540.2000"),
    ]
    # One event per batch (whole entries, about 8 lines each) with its counts; no event per
    # imported entry.
    assert posted_events == 0
    assert len(events) == audited >= 2
    payloads = [e[2] for e in events]
    assert all(e[1] == books.company_id for e in events)
    assert sum(p["entries"] for p in payloads) == 8
    assert sum(p["lines"] for p in payloads) == 16
    assert sum(p["foreignCurrencyLines"] for p in payloads) == 4
    assert payloads[0]["fileLines"]["first"] == 2
    assert (await gql.data(
        "{ verifyAuditChain { ok } }", None, tenant.token
    ))["verifyAuditChain"]["ok"] is True  # fmt: skip


POST_MANY_KEYED = f"""
mutation($company: ID!, $entries: [JournalEntryInput!]!, $key: String) {{
  postJournalEntries(companyId: $company, entries: $entries, idempotencyKey: $key) {{
    journalEntries {{ id entryNumber status postingDate totalAmount }}
    {ERRORS}
  }}
}}"""


async def test_a_keyed_batch_retried_returns_the_first_result_and_posts_nothing_more(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = await Books.open(gql, tenant)
    batch = [entry(books, "2026-04-02", f"{i + 1}.00") for i in range(5)]
    variables = {"company": books.company_id, "entries": batch, "key": "import-2026-04-02"}
    first = (await gql.data(POST_MANY_KEYED, variables, tenant.token))["postJournalEntries"]
    assert first["errors"] == [] and len(first["journalEntries"]) == 5
    after_first = await snapshot(engine, tenant.schema)

    again = (await gql.data(POST_MANY_KEYED, variables, tenant.token))["postJournalEntries"]

    assert again == first  # same ids, numbers, amounts: the first result
    assert await snapshot(engine, tenant.schema) == after_first
    changed = {**variables, "entries": batch[:4]}
    refused = (await gql.data(POST_MANY_KEYED, changed, tenant.token))["postJournalEntries"]
    assert refused["journalEntries"] == []
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("CONFLICT", "idempotencyKey")]
    assert await snapshot(engine, tenant.schema) == after_first
    # The key is the company's: another tenant's company may use the same key freely.
    theirs = await Books.open(gql, other_tenant)
    own = {"company": theirs.company_id, "entries": [entry(theirs, "2026-04-02", "1.00")],
           "key": "import-2026-04-02"}  # fmt: skip
    other = (await gql.data(POST_MANY_KEYED, own, other_tenant.token))["postJournalEntries"]
    assert other["errors"] == [] and other["journalEntries"][0]["entryNumber"] == "JE-2026-000001"


async def test_bulk_foreign_lines_take_the_stored_rate_of_their_day(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    from tests.accounting.test_currency import set_rate

    books = await Books.open(gql, tenant)
    assert (await set_rate(books, "USD", "2026-03-01", "4.2"))["errors"] == []
    assert (await set_rate(books, "USD", "2026-03-20", "4.4"))["errors"] == []

    def usd(day: str, amount: str) -> dict[str, Any]:
        return {
            "postingDate": day,
            "lines": [
                {"accountId": books.id("1110"), "debit": amount, "currencyCode": "USD"},
                {"accountId": books.id("4100"), "credit": amount, "currencyCode": "USD"},
            ],
        }

    posted = (
        await gql.data(
            POST_MANY,
            {
                "company": books.company_id,
                "entries": [usd("2026-03-10", "10.00"), usd("2026-03-25", "10.00")],
            },
            tenant.token,
        )
    )["postJournalEntries"]
    assert posted["errors"] == []
    assert [e["totalAmount"] for e in posted["journalEntries"]] == ["42.0000", "44.0000"]

    missing = (
        await gql.data(
            POST_MANY,
            {
                "company": books.company_id,
                "entries": [usd("2026-03-25", "1.00"), usd("2026-02-10", "1.00")],
            },
            tenant.token,
        )
    )["postJournalEntries"]
    assert missing["journalEntries"] == []
    assert {(e["code"], e["field"]) for e in missing["errors"]} == {
        ("MISSING_RATE", "entries.1.lines.0.exchangeRate"),
        ("MISSING_RATE", "entries.1.lines.1.exchangeRate"),
    }


async def test_single_postings_count_against_the_monthly_transaction_limit(
    gql: GraphQLClient, make_tenant: Any, engine: AsyncEngine, live_server: Any
) -> None:
    from db.tenant_plans import set_plan
    from tests.accounting.api import POST_ENTRY

    small = await make_tenant("txsingle")
    books = await Books.open(gql, small)
    await set_plan(
        engine, live_server.services.redis, slug=small.slug, limits={"maxTransactions": 3}
    )
    await books.sale("1.00")
    many = (
        await gql.data(
            POST_MANY,
            {"company": books.company_id, "entries": [entry(books, "2026-03-10", "2.00")]},
            small.token,
        )
    )["postJournalEntries"]
    assert many["errors"] == []
    draft = await books.entry([("1110", "debit", "3.00"), ("4100", "credit", "3.00")], post=False)
    assert draft["errors"] == []  # a draft posts nothing: it does not count
    posted = (
        await gql.data(POST_ENTRY, {"input": {"id": draft["journalEntry"]["id"]}}, small.token)
    )["postJournalEntry"]
    assert posted["errors"] == [] and posted["journalEntry"]["entryNumber"] == "JE-2026-000003"
    before = await snapshot(engine, small.schema)

    over = await books.entry([("1110", "debit", "4.00"), ("4100", "credit", "4.00")])
    assert [e["code"] for e in over["errors"]] == ["LIMIT_EXCEEDED"]
    assert "maxTransactions" in over["errors"][0]["message"]
    draft2 = await books.entry([("1110", "debit", "5.00"), ("4100", "credit", "5.00")], post=False)
    refused = (
        await gql.data(POST_ENTRY, {"input": {"id": draft2["journalEntry"]["id"]}}, small.token)
    )["postJournalEntry"]
    assert [e["code"] for e in refused["errors"]] == ["LIMIT_EXCEEDED"]
    after = await snapshot(engine, small.schema)
    assert after == {
        **before,
        "transactions": before["transactions"] + 1,
        "journal_lines": before["journal_lines"] + 2,
        "outbox": before["outbox"] + 1,
    }  # only the second draft was written
    usage = await gql.data("{ tenantUsage { transactions } }", None, small.token)
    assert usage["tenantUsage"]["transactions"] == 3


async def test_concurrent_postings_at_the_limit_stop_exactly_at_it(
    gql: GraphQLClient, make_tenant: Any, engine: AsyncEngine, live_server: Any
) -> None:
    import asyncio

    from db.tenant_plans import set_plan

    small = await make_tenant("txrace")
    books = await Books.open(gql, small)
    await set_plan(
        engine, live_server.services.redis, slug=small.slug, limits={"maxTransactions": 5}
    )
    results = await asyncio.gather(
        *(books.entry([("1110", "debit", f"{i}.00"), ("4100", "credit", f"{i}.00")])
          for i in range(1, 13))
    )  # fmt: skip
    posted = [r for r in results if r["errors"] == []]
    refused = [r for r in results if r["errors"]]
    assert len(posted) == 5
    assert {e["code"] for r in refused for e in r["errors"]} == {"LIMIT_EXCEEDED"}
    assert sorted(r["journalEntry"]["entryNumber"] for r in posted) == [
        f"JE-2026-{n:06d}" for n in range(1, 6)
    ]  # gapless: a refused posting leaves no hole
    usage = await gql.data("{ tenantUsage { transactions } }", None, small.token)
    assert usage["tenantUsage"]["transactions"] == 5
