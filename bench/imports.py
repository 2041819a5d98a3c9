"""Benchmark: imports — rows/s per kind, the check (validate) and commit phases apart, and the
journal import's COPY path in the same run.

`python -m bench.imports [--rows 20000] [--journal-lines 200000]`

Each kind's file (CSV) is generated, then imported by `db.imports.operator.import_file` — the
job runner a Celery worker runs (`workers/jobs.py`), in this process — once as a dry run and once
for real; the phases are timed from the job's own progress messages (validating → committing →
succeeded). Writes its section of bench/RESULTS.md between `<!-- bench:imports -->` markers.
Not run by the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.accounting_bulk import CREATE_COMPANY, CREATE_YEAR, gql
from bench.accounting_bulk import write_csv as write_journal_csv
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
CREATE_WAREHOUSE = """mutation($input: CreateWarehouseInput!) {
  createWarehouse(input: $input) { warehouse { id } errors { code message } } }"""
START, END = "<!-- bench:imports -->", "<!-- /bench:imports -->"


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def customers(n: int) -> bytes:
    return _csv(
        ["code", "name", "taxId", "email", "paymentTermsDays", "creditLimit"],
        [[f"C{i:07}", f"Customer {i} Sdn Bhd", f"IG{i:09}", f"ap{i}@example.my", 30 + i % 60,
          f"{1_000_000 + i % 5000}.50"] for i in range(n)],
    )  # fmt: skip


def suppliers(n: int) -> bytes:
    return _csv(
        ["code", "name", "taxId", "paymentTermsDays", "creditLimit"],
        [[f"S{i:07}", f"Supplier {i} Bhd", f"C{i:09}", 30, "25000"] for i in range(n)],
    )


def products(n: int) -> bytes:
    return _csv(
        ["sku", "name", "unitOfMeasure", "sellingPrice", "costMethod", "reorderPoint"],
        [[f"SKU-{i:07}", f"Product {i}", "unit", f"{10 + i % 90}.90", "FIFO", 5]
         for i in range(n)],
    )  # fmt: skip


def accounts(n: int) -> bytes:
    rows: list[list[Any]] = [["8000", "Imported expenses", "expense", "", ""]]
    rows += [[f"8{i:04}", f"Expense line {i}", "expense", "", "8000"] for i in range(1, n)]
    return _csv(["code", "name", "type", "subtype", "parentCode"], rows)


def exchange_rates(n: int) -> bytes:
    rng = random.Random(3)
    currencies = ("USD", "SGD", "EUR", "GBP", "JPY", "CNY", "THB", "IDR")
    days = n // len(currencies) + 1
    start = 739_252  # 2025-01-01 as an ordinal
    from datetime import date

    rows = [
        [c, date.fromordinal(start + d).isoformat(), f"{rng.uniform(0.001, 6):.6f}"]
        for d in range(days)
        for c in currencies
    ][:n]
    return _csv(["currency", "effectiveDate", "rate"], rows)


def opening_balances(n: int) -> bytes:
    """A debit of 1.00 on each imported expense account, the total credited to share capital
    (an entry has at most 1,000 lines: the domain's MAX_LINES)."""
    debits = [["2026-01-01", f"8{i:04}", "1.00", ""] for i in range(1, n)]
    return _csv(
        ["date", "accountCode", "debit", "credit"],
        [*debits, ["2026-01-01", "3100", "", f"{len(debits)}.00"]],
    )


def stock_on_hand(n: int) -> bytes:
    return _csv(
        ["date", "sku", "warehouse", "quantity", "unitCost"],
        [["2026-01-31", f"SKU-{i:07}", "WH1", 10 + i % 90, f"{1 + i % 50}.25"] for i in range(n)],
    )


LINES_PER_INVOICE = 5


def sales_invoices(n: int) -> bytes:
    """`n` lines, five free-text lines per invoice, over the imported customers."""
    rows = []
    for line in range(n):
        invoice = line // LINES_PER_INVOICE
        rows.append(
            [
                f"OLD-{invoice:07}",
                f"C{invoice % 1000:07}",
                f"2026-{1 + invoice % 12:02d}-{1 + invoice % 28:02d}",
                f"Service {line % LINES_PER_INVOICE}",
                1 + line % 3,
                f"{10 + line % 90}.50",
            ]
        )
    return _csv(
        ["invoiceNumber", "customerCode", "issueDate", "description", "quantity", "unitPrice"],
        rows,
    )  # fmt: skip


KINDS: dict[str, Callable[[int], bytes]] = {
    "customers": customers,
    "suppliers": suppliers,
    "products": products,
    "accounts": accounts,
    "exchange_rates": exchange_rates,
    "opening_balances": opening_balances,
    "stock_on_hand": stock_on_hand,
    "sales_invoices": sales_invoices,
}
SIZE_CAPS = {"accounts": 5_000, "opening_balances": 1_000}


class Phases:
    """When the job entered each state, from its progress messages."""

    def __init__(self) -> None:
        self.entered: dict[str, float] = {}
        self.started = time.perf_counter()

    def __call__(self, message: dict[str, Any]) -> None:
        self.entered.setdefault(message["state"], time.perf_counter())

    def between(self, first: str, last: str) -> float:
        return self.entered[last] - self.entered[first]


async def run(args: argparse.Namespace) -> None:
    from db.imports.operator import import_file
    from db.journal_import import import_journal
    from domain.jobs.model import JobKind

    started = time.perf_counter()
    load_at_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results: list[tuple[str, int, float, float, float]] = []
    async with Harness() as h:
        tenant = await h.tenant(f"bench_imp_{uuid.uuid4().hex[:6]}")
        api = await h.start_api("api")
        token = await login(api.port, tenant)
        async with httpx.AsyncClient(
            base_url=f"http://{HOST}:{api.port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=600,
        ) as http:
            made = await gql(http, CREATE_COMPANY, {"input": {
                "name": "Imports Sdn Bhd", "currencyCode": "MYR",
                "chartOfAccounts": "MALAYSIAN_SME"}})  # fmt: skip
            company = made["createCompany"]["company"]["id"]
            year = await gql(
                http, CREATE_YEAR, {"input": {"companyId": company, "startDate": "2026-01-01"}}
            )
            assert year["createFiscalYear"]["errors"] == [], year
            made = await gql(http, CREATE_WAREHOUSE, {"input": {
                "companyId": company, "code": "WH1", "name": "Main"}})  # fmt: skip
            assert made["createWarehouse"]["errors"] == [], made
        cipher = h.cipher()
        for kind, generate in KINDS.items():
            n = min(args.rows, SIZE_CAPS.get(kind, args.rows))
            content = generate(n)
            timings = []
            for dry_run in (True, False):
                phases = Phases()
                t0 = time.perf_counter()
                job, _report = await import_file(
                    h.engine, cipher, slug=tenant.slug, company_id=uuid.UUID(company),
                    kind=JobKind(kind), file_name=f"{kind}.csv", content=content,
                    dry_run=dry_run, batch_size=args.batch_size, on_progress=phases,
                )  # fmt: skip
                total = time.perf_counter() - t0
                want = "validated" if dry_run else "succeeded"
                assert str(job.state) == want and job.error_count == 0, (kind, job, _report)
                timings.append((phases, total))
            dry = timings[0][0]
            real, real_total = timings[1]
            validate = dry.between("validating", "validated")
            commit = real.between("committing", "succeeded")
            log(f"{kind}: {n:,} rows, check {n / validate:,.0f} rows/s, commit "
                f"{n / commit:,.0f} rows/s, end to end {n / real_total:,.0f} rows/s")  # fmt: skip
            results.append((kind, n, validate, commit, real_total))

        path = h.dir / "journal.csv"
        write_journal_csv(path, args.journal_lines)
        report = await import_journal(
            h.engine, path, tenant_slug=tenant.slug, company_id=uuid.UUID(company),
            batch_size=50_000, chain_key=cipher.audit_chain_key,
        )  # fmt: skip
        journal_rate = report.lines / report.seconds
        log(f"journal COPY path: {report.lines:,} lines in {report.seconds:.1f}s = "
            f"{journal_rate:,.0f} lines/s")  # fmt: skip

    invoice = next((r for r in results if r[0] == "sales_invoices"), None)
    invoice_note = (
        f"Sales invoices: **{invoice[1] / invoice[3]:,.0f} invoice lines/s committed** "
        f"({invoice[1] / invoice[3] / LINES_PER_INVOICE:,.0f} invoices/s, each through "
        "createInvoice's handler: pricing, tax, posting, the customer balance, events); "
        f"the issue's aim is 2,000 lines/s with validation on: "
        f"{'met' if invoice[1] / invoice[4] >= 2000 else 'not met'} end to end "
        f"({invoice[1] / invoice[4]:,.0f} lines/s)."
        if invoice
        else ""
    )
    table = "\n".join(
        f"| {kind} | {n:,} | {validate:.2f} | **{n / validate:,.0f}** | {commit:.2f} | "
        f"**{n / commit:,.0f}** | {n / total:,.0f} |"
        for kind, n, validate, commit, total in results
    )
    body = f"""## Imports: rows/s per kind, check and commit phases

**What.** `startImport`'s job runner (`db/imports/runner.py`, what the Celery task
`bigledger.run_import` runs) on generated CSV files of {args.rows:,} rows per kind (the chart
of accounts: {min(args.rows, 5_000):,} rows, one parent and its children; opening balances:
{min(args.rows, 1_000):,} lines, an entry's maximum; sales invoices: {LINES_PER_INVOICE}
free-text lines per invoice, each invoice made by createInvoice(post: true) in its own
transaction), batch size
{args.batch_size} rows per transaction. **Check** = the dry run's validating phase (read, parse,
every row through the API's own model constructor — Customer/Supplier/Product.create, the
chart's open_account, check_rate_input — duplicates in the file and in the books); **commit** =
the real run's committing phase (each batch one SqlUnitOfWork: the context's repository
inserts, one domain event per row in the outbox, the audit row, the batch recorded on the job).
End to end = the real run from start to succeeded (its own check included). Beside them, in the
same run, the journal import's COPY path (`db/journal_import.py`, {args.journal_lines:,}
lines, 50,000 per batch).

**Method.** `bench.harness.Harness` (embedded PostgreSQL + Redis, migrated), a tenant on the
enterprise plan, a company (MALAYSIAN_SME chart) and fiscal year made through the API; then
`db.imports.operator.import_file` (the CLI's path: the same job row, checks and runner as the
worker) in this process, dry run then real run per kind; phases timed from the job's progress
callbacks (state changes). One run, started with the 1/5/15-minute load average at
{load_at_start} (the table below shows it at the end); other engineers' processes share this
2-core machine, so these are lower bounds.

**Results** ({today()}, benchmark took {time.perf_counter() - started:.0f} s):

| kind | rows | check s | check rows/s | commit s | commit rows/s | end to end rows/s |
|---|---|---|---|---|---|---|
{table}

Journal import (COPY, set-based, same run): **{report.lines:,} lines in {report.seconds:.1f} s
= {journal_rate:,.0f} lines/s**. The row imports go through the same model constructors and
repository row mappings as the API's commands (customers, suppliers, products: one multi-row
INSERT per table per batch; one domain event per row in the outbox, an audit row per batch);
the journal import is set-based SQL with one event per batch: the gap is that choice.

{invoice_note}

{machine_markdown(machine_info())}

**Reproduce:** `.venv/bin/python -m bench.imports --rows {args.rows} --journal-lines
{args.journal_lines}`
"""
    if args.dry:
        print(body)
    else:
        write_section("imports", body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--journal-lines", type=int, default=200_000)
    parser.add_argument("--dry", action="store_true", help="print the section, write nothing")
    asyncio.run(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
