"""Benchmark: bulk accounting — the CSV import (COPY, set-based) and postJournalEntries.

`python -m bench.accounting_bulk [--lines 1000000] [--entries 1000] [--repeat 3]`

1. Generates a CSV of `--lines` journal lines (two-line entries over the 12 months of 2026, six
   accounts) in the harness's temp dir and imports it with `db.journal_import.import_journal` —
   the function `bigledger import journal` runs — timing lines/s (end to end, including COPY,
   validation, numbering, lines, balances and the deferred balance check at each commit).
2. Posts `--entries` two-line entries with one `postJournalEntries` call through a running API
   (`bigledger serve`), `--repeat` times, timing entries/s (HTTP round trip included).

Writes its section of bench/RESULTS.md between `<!-- bench:accounting_bulk -->` markers,
leaving every other section as it is. Not run by the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench.harness import (
    HOST,
    Harness,
    log,
    login,
    machine_info,
    machine_markdown,
    today,
    write_section,
)

RESULTS = Path(__file__).with_name("RESULTS.md")
START, END = "<!-- bench:accounting_bulk -->", "<!-- /bench:accounting_bulk -->"
CODES = ("1110", "1120", "4100", "5100", "2110", "1210")

CREATE_COMPANY = """mutation($input: CreateCompanyInput!) {
  createCompany(input: $input) { company { id } errors { code message } } }"""
ACCOUNTS = (
    """query($c: ID!) { accounts(companyId: $c, first: 100) { edges { node { id code } } } }"""
)
CREATE_YEAR = """mutation($input: CreateFiscalYearInput!) {
  createFiscalYear(input: $input) { fiscalYear { id } errors { code message } } }"""
POST_MANY = """mutation($company: ID!, $entries: [JournalEntryInput!]!) {
  postJournalEntries(companyId: $company, entries: $entries) {
    journalEntries { id entryNumber } errors { code message field } } }"""


async def gql(http: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    data: dict[str, Any] = body["data"]
    return data


def write_csv(path: Path, lines: int) -> Decimal:
    rng = random.Random(1)
    total = Decimal(0)
    entries = lines // 2
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["entry_ref", "date", "account_code", "description", "debit", "credit"])
        for i in range(entries):
            amount = Decimal(rng.randint(1, 5_000_000)) / 100
            day = f"2026-{1 + i * 12 // entries:02d}-{1 + i % 28:02d}"
            debit, credit = rng.sample(CODES, 2)
            out.writerow([f"E{i}", day, debit, "bench", amount, ""])
            out.writerow([f"E{i}", day, credit, "bench", "", amount])
            total += amount
    return total


async def run(args: argparse.Namespace) -> None:
    from db.journal_import import ImportReport, import_journal

    started = time.perf_counter()
    async with Harness() as h:
        tenant = await h.tenant(f"bench_acct_{uuid.uuid4().hex[:6]}")
        api = await h.start_api("api")
        token = await login(api.port, tenant)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            base_url=f"http://{HOST}:{api.port}", headers=headers, timeout=600
        ) as http:
            companies = []
            for name in ("Import Sdn Bhd", "Bulk API Sdn Bhd"):
                made = (
                    await gql(
                        http,
                        CREATE_COMPANY,
                        {
                            "input": {
                                "name": name,
                                "currencyCode": "MYR",
                                "timezone": "Asia/Kuala_Lumpur",
                                "chartOfAccounts": "MALAYSIAN_SME",
                            }
                        },
                    )
                )["createCompany"]
                company = made["company"]["id"]
                year = await gql(
                    http, CREATE_YEAR, {"input": {"companyId": company, "startDate": "2026-01-01"}}
                )
                assert year["createFiscalYear"]["errors"] == [], year
                companies.append(company)

            # 1. the import
            path = h.dir / "journal.csv"
            t0 = time.perf_counter()
            total = write_csv(path, args.lines)
            generated = time.perf_counter() - t0
            log(f"generated {args.lines:,} lines in {generated:.1f}s ({path.stat().st_size:,} B)")

            def progress(report: ImportReport) -> None:
                if report.batches % 10 == 0:
                    log(f"  rows read {report.lines:,}, entries posted {report.entries:,}, "
                        f"{report.lines / report.seconds:,.0f} lines/s")  # fmt: skip

            report = await import_journal(
                h.engine, path, tenant_slug=tenant.slug, company_id=uuid.UUID(companies[0]),
                batch_size=args.batch_size, progress=progress,
                chain_key=h.cipher().audit_chain_key,
            )  # fmt: skip
            import_rate = report.lines / report.seconds
            steps = ", ".join(f"{k} {v:.1f}s" for k, v in report.steps.items())
            log(f"import steps: {steps}")
            log(f"import: {report.lines:,} lines, {report.entries:,} entries in "
                f"{report.seconds:.1f}s = {import_rate:,.0f} lines/s")  # fmt: skip

            # 2. postJournalEntries
            ids = {
                e["node"]["code"]: e["node"]["id"]
                for e in (await gql(http, ACCOUNTS, {"c": companies[1]}))["accounts"]["edges"]
            }
            rng = random.Random(2)
            timings: list[float] = []
            for _ in range(args.repeat):
                entries = []
                for i in range(args.entries):
                    amount = str(Decimal(rng.randint(1, 5_000_000)) / 100)
                    debit, credit = rng.sample(CODES, 2)
                    entries.append({
                        "postingDate": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
                        "lines": [{"accountId": ids[debit], "debit": amount},
                                  {"accountId": ids[credit], "credit": amount}],
                    })  # fmt: skip
                t0 = time.perf_counter()
                result = (
                    await gql(http, POST_MANY, {"company": companies[1], "entries": entries})
                )["postJournalEntries"]
                timings.append(time.perf_counter() - t0)
                assert result["errors"] == [] and len(result["journalEntries"]) == args.entries
                log(f"postJournalEntries x{args.entries}: {timings[-1]:.2f}s")

    best = min(timings)
    rows = "\n".join(
        f"| {i + 1} | {t:.2f} | {args.entries / t:,.0f} |" for i, t in enumerate(timings)
    )
    body = f"""## Accounting bulk: CSV import and postJournalEntries

**What.** (1) `bigledger import journal` (`db/journal_import.py`: COPY into a staging table,
validation in SQL, set-based INSERT ... SELECT of headers, lines and both balance read models,
gapless numbers per fiscal year) on a generated CSV of {args.lines:,} lines
({args.lines // 2:,} two-line entries over the 12 months of 2026, 6 accounts, one company),
batch size {args.batch_size:,} lines per transaction. (2) One `postJournalEntries` mutation with
{args.entries:,} two-line entries through the running API (HTTP round trip included),
{args.repeat} times.

**Method.** `bench.harness.Harness` (embedded PostgreSQL + Redis, migrated), a tenant on the
enterprise plan, `bigledger serve` for the API part. The import calls the function the CLI runs
in this process (CSV generation not timed: {generated:.1f}s). Total debits imported:
{total:,}.

**Results** ({today()}, benchmark took {time.perf_counter() - started:.0f} s):

- Import: **{report.lines:,} lines / {report.entries:,} entries in {report.seconds:.1f} s =
  {import_rate:,.0f} lines/s** ({report.batches} batches). Time by step: {steps}.
- postJournalEntries ({args.entries:,} entries per call): best **{args.entries / best:,.0f}
  entries/s**.

| call | seconds | entries/s |
|---|---|---|
{rows}

{machine_markdown(machine_info())}

**Reproduce:** `.venv/bin/python -m bench.accounting_bulk --lines {args.lines} --entries
{args.entries} --repeat {args.repeat}`
"""
    write_section("accounting_bulk", body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=50_000)
    parser.add_argument("--entries", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    asyncio.run(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
