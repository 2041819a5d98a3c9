"""Benchmark: posting throughput, one `createJournalEntry(post: true)` per entry, vs raw asyncpg.

`python -m bench.accounting_posting [--clients 32] [--warmup 3] [--duration 20]`

1. API: `--clients` concurrent keep-alive connections, each sending `createJournalEntry(input:
   {..., post: true})` (one request = one posted 2-line entry) back to back, for `--duration`
   seconds after `--warmup`. Entries spread over 40 leaf accounts and the 365 days of 2026.
2. Raw ceiling, same run, same database: `--clients` tasks on an asyncpg pool, one transaction
   per entry with the statements the app's posting issues, their very text (`PostingSql` in
   `db/driver_path/posting.py`), in its order: company currency, accounts and the period
   share-locked (`posting_reads`); the header as a draft with its 2 `journal_lines` and the
   month and day balance upserts (`add_posted`); last the entry number drawn and the header
   posted with it (`number_entry`). The deferred balance-check trigger fires in both. Not in
   the raw path: the month's posting count, the outbox rows and the audit row the unit of
   work writes, and everything above SQL (HTTP, GraphQL, auth, domain). Run with `--clients`
   connections and with as many as one API process may open; the faster is the ceiling.
   One more raw row: no number sequence.

Writes its section of bench/RESULTS.md between `<!-- bench:accounting_posting -->` markers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil

from bench.harness import (
    HOST,
    CpuMeter,
    Harness,
    collector_paused,
    log,
    login,
    machine_info,
    machine_markdown,
    percentile,
    today,
    write_section,
)
from bench.loadgen import HttpConnection, encode_request
from db.driver_path.posting import PostingSql
from domain.accounting.model import entry_number_prefix
from server.settings import Settings

RESULTS = Path(__file__).with_name("RESULTS.md")
NAME = "accounting_posting"

CREATE_COMPANY = """mutation($input: CreateCompanyInput!) {
  createCompany(input: $input) { company { id } errors { code message } } }"""
CREATE_YEAR = """mutation($input: CreateFiscalYearInput!) {
  createFiscalYear(input: $input) { fiscalYear { id } errors { code message } } }"""
POST_ONE = """mutation($input: CreateJournalEntryInput!) {
  createJournalEntry(input: $input) {
    journalEntry { id entryNumber status } errors { code message } } }"""


async def gql(http: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    data: dict[str, Any] = body["data"]
    return data


async def setup_company(http: httpx.AsyncClient, name: str, years: list[str]) -> str:
    made = await gql(
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
    company: str = made["createCompany"]["company"]["id"]
    for start in years:
        year = await gql(http, CREATE_YEAR, {"input": {"companyId": company, "startDate": start}})
        assert year["createFiscalYear"]["errors"] == [], year
    return company


async def leaf_accounts(conn: Any, schema: str, company: str, count: int) -> list[uuid.UUID]:
    rows = await conn.fetch(
        f"""SELECT a.id FROM "{schema}".chart_of_accounts a
            WHERE a.company_id = $1 AND a.is_active AND NOT EXISTS (
              SELECT 1 FROM "{schema}".chart_of_accounts c WHERE c.parent_account_id = a.id)
            ORDER BY a.account_code LIMIT $2""",
        uuid.UUID(company),
        count,
    )
    return [r["id"] for r in rows]


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def variants(
    accounts: list[uuid.UUID], n: int, seed: int
) -> list[tuple[date, uuid.UUID, uuid.UUID, Decimal]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        debit, credit = rng.sample(accounts, 2)
        day = date(2026, 1, 1) + timedelta(days=rng.randrange(365))
        out.append((day, debit, credit, Decimal(rng.randint(1, 5_000_000)) / 100))
    return out


async def api_load(
    port: int,
    token: str,
    company: str,
    work: list[Any],
    clients: int,
    warmup: float,
    duration: float,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    requests = []
    for day, debit, credit, amount in work:
        body = orjson.dumps(
            {
                "query": POST_ONE,
                "variables": {
                    "input": {
                        "companyId": company,
                        "postingDate": day.isoformat(),
                        "post": True,
                        "lines": [
                            {"accountId": str(debit), "debit": str(amount)},
                            {"accountId": str(credit), "credit": str(amount)},
                        ],
                    }
                },
            }
        )
        requests.append(encode_request(port, "/graphql", body, headers))
    state = {"measuring": False, "running": True}
    latencies: list[float] = []
    failures: list[str] = []
    done = [0]
    posted = [0]  # warm-up included: what the API's CPU seconds were spent on

    async def client(k: int) -> None:
        conn = await HttpConnection.open(port)
        i = k
        try:
            while state["running"]:
                status, body, sent, received = await conn.request(requests[i % len(requests)])
                i += clients
                if status != 200 or b'"errors":[]' not in body or b'"POSTED"' not in body:
                    failures.append(f"{status} {body[:300]!r}")
                    continue
                posted[0] += 1
                if state["measuring"]:
                    latencies.append(received - sent)
                    done[0] += 1
        finally:
            conn.close()

    tasks = [asyncio.create_task(client(k)) for k in range(clients)]
    await asyncio.sleep(warmup)
    result = await _measure(tasks, state, latencies, failures, done, duration)
    result["all_entries"] = posted[0]
    return result


async def _measure(
    tasks: list[asyncio.Task[None]],
    state: dict[str, bool],
    latencies: list[float],
    failures: list[str],
    done: list[int],
    duration: float,
) -> dict[str, Any]:
    load0 = os.getloadavg()
    psutil.cpu_percent(interval=None)
    own0 = time.process_time()
    with collector_paused():
        state["measuring"] = True
        t0 = time.perf_counter()
        await asyncio.sleep(duration)
        state["measuring"] = False
        elapsed = time.perf_counter() - t0
    busy = psutil.cpu_percent(interval=None)
    own = time.process_time() - own0
    state["running"] = False
    await asyncio.gather(*tasks)
    if failures:
        raise RuntimeError(f"{len(failures)} failed requests, first: {failures[0]}")
    return {
        "entries": done[0],
        "seconds": elapsed,
        "rate": done[0] / elapsed,
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "load": (load0, os.getloadavg()),
        "busy": busy,
        "own_cpu": own,
    }


async def raw_load(
    dsn: str,
    schema: str,
    company: str,
    fiscal_year: uuid.UUID,
    actor: uuid.UUID,
    work: list[Any],
    clients: int,
    warmup: float,
    duration: float,
    *,
    pg: CpuMeter,
    numbering: str = "late",
    connections: int | None = None,
) -> dict[str, Any]:
    import asyncpg

    company_id = uuid.UUID(company)
    sql = PostingSql(schema)

    def now() -> datetime:
        return datetime.now(UTC)

    size = connections or clients
    pool = await asyncpg.create_pool(
        dsn, min_size=size, max_size=size, server_settings={"search_path": schema}
    )
    state = {"measuring": False, "running": True}
    latencies: list[float] = []
    failures: list[str] = []
    done = [0]

    async def one(
        conn: Any, day: date, debit: uuid.UUID, credit: uuid.UUID, amount: Decimal
    ) -> None:
        zero = Decimal(0)
        async with conn.transaction():
            # the app's statements (`PostingSql`), with the values the app would send
            [period, *_] = await conn.fetch(sql.posting_reads, company_id, [debit, credit], day)
            entry_id, at = uuid.uuid4(), now()
            if numbering == "late":  # as the app: a draft header now, numbered before commit
                status, number, year_id, posted_at = "draft", None, None, None
            else:  # no gapless sequence (the pgbench-like script): a unique number per entry
                status, year_id, posted_at = "posted", period["period_fiscal_year_id"], at
                number = f"X-{entry_id.hex[:24]}"
            accounts = sorted([debit, credit], key=str)  # the app's balance-row order
            by_account = {debit: (amount, zero), credit: (zero, amount)}
            await conn.execute(
                sql.add_posted,
                entry_id, company_id, day, None, None, amount, "MYR", status, at, at, number,
                year_id, None, None, actor, posted_at, actor if posted_at else None, 1,
                "standard", [1, 2], [debit, credit], [None, None], ["MYR", "MYR"],
                [Decimal(1), Decimal(1)], [amount, zero], [zero, amount], [amount, zero],
                [zero, amount],
                accounts, day.replace(day=1), company_id,
                [by_account[a][0] for a in accounts], [by_account[a][1] for a in accounts], day,
            )  # fmt: skip
            if numbering == "late":
                await conn.fetchrow(
                    sql.number_entry,
                    entry_id, period["period_fiscal_year_id"], company_id,
                    entry_number_prefix(period["period_year_end"]), "posted", at, actor, at,
                    None, 2,
                )  # fmt: skip

    async def client(k: int) -> None:
        i = k
        while state["running"]:
            sent = time.perf_counter()
            try:
                async with pool.acquire() as conn:  # waits when clients > connections
                    await one(conn, *work[i % len(work)])
            except Exception as exc:
                failures.append(repr(exc))
                continue
            finally:
                i += clients
            if state["measuring"]:
                latencies.append(time.perf_counter() - sent)
                done[0] += 1

    tasks = [asyncio.create_task(client(k)) for k in range(clients)]
    await asyncio.sleep(warmup)
    try:
        result = await _measure(tasks, state, latencies, failures, done, duration)
        result["pg_cpu"] = pg.stop()  # before the pool's backends exit
        return result
    finally:
        await pool.close()


API_WORKERS = 2  # the second API path: one process per core of this machine
# The raw path again with as many connections as one API process may open (its pool + overflow).
POOL = Settings()
RAW_POOLED = POOL.db_pool_size + POOL.db_max_overflow
POOL_TEXT = f"pool {POOL.db_pool_size} + overflow {POOL.db_max_overflow}"


async def run(args: argparse.Namespace) -> None:
    import asyncpg

    started = time.perf_counter()
    info = machine_info()
    async with Harness() as h:
        tenant = await h.tenant(f"bench_post_{uuid.uuid4().hex[:6]}")
        api = await h.start_api("api")
        token = await login(api.port, tenant)
        async with httpx.AsyncClient(
            base_url=f"http://{HOST}:{api.port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ) as http:
            api_company = await setup_company(http, "Posting API Sdn Bhd", ["2026-01-01"])
            multi_company = await setup_company(http, "Posting API x2 Sdn Bhd", ["2026-01-01"])
            raw_company = await setup_company(http, "Posting Raw Sdn Bhd", ["2026-01-01"])
        dsn = asyncpg_dsn(h.database_url)
        conn = await asyncpg.connect(dsn)
        try:
            api_accounts = await leaf_accounts(conn, tenant.schema, api_company, 40)
            multi_accounts = await leaf_accounts(conn, tenant.schema, multi_company, 40)
            raw_accounts = await leaf_accounts(conn, tenant.schema, raw_company, 40)
            raw_year = await conn.fetchval(
                f'SELECT id FROM "{tenant.schema}".fiscal_years WHERE company_id = $1',
                uuid.UUID(raw_company),
            )
        finally:
            await conn.close()
        log(f"{len(api_accounts)} leaf accounts per company")
        pg = CpuMeter(h.postgres_pid, children=True)
        srv = CpuMeter(api.pid, children=True)

        log("API: createJournalEntry(post: true)")
        pg.start()
        srv.start()
        a = await api_load(
            api.port,
            token,
            api_company,
            variants(api_accounts, 5000, 1),
            args.clients,
            args.warmup,
            args.duration,
        )
        a["api_cpu"], a["pg_cpu"] = srv.stop(), pg.stop()
        log(f"API: {a['rate']:,.0f} entries/s p50 {a['p50']:.1f} ms p99 {a['p99']:.1f} ms")
        api.stop()  # the machine's cores to the next path

        log(f"API with {API_WORKERS} processes (`serve --workers {API_WORKERS}`)")
        multi = await h.start_api("api-multi", workers=API_WORKERS)
        srv = CpuMeter(multi.pid, children=True)
        pg.start()
        srv.start()
        m = await api_load(
            multi.port,
            token,
            multi_company,
            variants(multi_accounts, 5000, 1),
            args.clients,
            args.warmup,
            args.duration,
        )
        m["api_cpu"], m["pg_cpu"] = srv.stop(), pg.stop()
        multi.stop()
        log(f"API x{API_WORKERS}: {m['rate']:,.0f} entries/s p50 {m['p50']:.1f} ms")

        log("raw asyncpg")
        pg.start()
        r = await raw_load(
            dsn,
            tenant.schema,
            raw_company,
            raw_year,
            tenant.admin_id,
            variants(raw_accounts, 5000, 1),
            args.clients,
            args.warmup,
            args.duration,
            pg=pg,
        )
        log(f"raw: {r['rate']:,.0f} entries/s p50 {r['p50']:.1f} ms p99 {r['p99']:.1f} ms")

        log(f"raw asyncpg, {RAW_POOLED} connections (the API's {POOL_TEXT})")
        pg.start()
        e = await raw_load(
            dsn,
            tenant.schema,
            raw_company,
            raw_year,
            tenant.admin_id,
            variants(raw_accounts, 5000, 3),
            args.clients,
            args.warmup,
            args.duration,
            connections=RAW_POOLED,
            pg=pg,
        )
        log(f"raw, {RAW_POOLED} connections: {e['rate']:,.0f} entries/s p50 {e['p50']:.1f} ms")

        log("raw asyncpg without the entry-number sequence (pgbench-like)")
        pg.start()
        n = await raw_load(
            dsn,
            tenant.schema,
            raw_company,
            raw_year,
            tenant.admin_id,
            variants(raw_accounts, 5000, 2),
            args.clients,
            args.warmup,
            args.duration,
            numbering="none",
            pg=pg,
        )
        log(
            f"raw, no numbering: {n['rate']:,.0f} entries/s p50 {n['p50']:.1f} ms "
            f"p99 {n['p99']:.1f} ms"
        )

        conn = await asyncpg.connect(dsn)
        try:
            check = await conn.fetch(
                f"""SELECT company_id, count(*) AS n,
                      (SELECT count(*) FROM "{tenant.schema}".journal_lines l
                        WHERE l.company_id = t.company_id) AS lines
                    FROM "{tenant.schema}".transactions t GROUP BY company_id"""
            )
        finally:
            await conn.close()
        log(f"rows: {[dict(c) for c in check]}")

    ceiling = max(r, e, key=lambda x: float(x["rate"]))  # the faster raw pool is the ceiling
    ratio = a["rate"] / ceiling["rate"]
    api_ms = a["api_cpu"] / a["all_entries"] * 1000
    cores = os.cpu_count() or 1

    def cpu(x: float, secs: float) -> str:
        return f"{x:.1f} s ({x / secs / cores * 100:.0f}% of {cores} cores)"

    def line(label: str, x: dict[str, Any], server: str) -> str:
        secs = x["seconds"] + args.warmup
        return (
            f"| {label} | {x['entries']:,} | **{x['rate']:,.0f}** | {x['p50']:.1f} | "
            f"{x['p99']:.1f} | {server} | {cpu(x['pg_cpu'], secs)} | "
            f"{x['busy']:.0f}% | {x['own_cpu']:.1f} s | "
            f"{x['load'][0][0]:.2f} → {x['load'][1][0]:.2f} |"
        )

    table = "\n".join(
        [
            "| path | entries | entries/s | p50 ms | p99 ms | API server CPU | PostgreSQL CPU "
            "| machine CPU busy (window) | bench process CPU (window) "
            "| load avg (start → end) |",
            "|---|---|---|---|---|---|---|---|---|---|",
            line("API createJournalEntry(post)", a, cpu(a["api_cpu"], a["seconds"] + args.warmup)),
            line(
                f"API createJournalEntry(post), `serve --workers {API_WORKERS}`",
                m,
                cpu(m["api_cpu"], m["seconds"] + args.warmup),
            ),
            line(f"raw asyncpg, {args.clients} connections", r, "n/a (in bench process)"),
            line(f"raw asyncpg, {RAW_POOLED} connections", e, "n/a (in bench process)"),
            line(
                f"raw asyncpg, {args.clients} connections, no entry-number sequence",
                n,
                "n/a (in bench process)",
            ),
        ]
    )
    body = f"""## Accounting posting throughput: createJournalEntry(post: true) vs raw asyncpg

**What.** Posted 2-line journal entries per second with {args.clients} concurrent clients.
(1) Through the API: `createJournalEntry(input: {{companyId, postingDate, lines, post: true}})`,
one HTTP request = one posted entry (the schema's single-request way; `postJournalEntry` alone
needs a draft first). (2) In the same run, the raw ceiling: {args.clients} clients on an asyncpg
pool, one transaction per entry issuing the app's posting statements (their very text,
`PostingSql` in `db/driver_path/posting.py`) in the app's order: company currency with the
2 accounts and the period row share-locked (one statement), the header (as a draft) with its 2
`journal_lines` and the month and day balance upserts (one statement), and last the entry
number drawn and written into the header, now posted (one statement); the deferred
balance-check trigger fires in both. The raw path runs twice, with {args.clients}
connections and with {RAW_POOLED} (as many as one API process may open: {POOL_TEXT}), and
the faster of the two is the ceiling. It leaves out what the app adds on top: HTTP, GraphQL,
authentication and the domain, the month's posting count (maxTransactions), and the outbox rows
and audit row of the unit of work.

**Method.** `bench.harness.Harness` (embedded PostgreSQL + Redis), an enterprise-plan tenant
with bench limits (`apiRateLimit` {100_000_000:,}, `apiBurst` {10_000_000:,}; enterprise
`maxTransactions` 100,000,000/month), `bigledger serve` (default settings). Two companies with
the MALAYSIAN_SME chart and fiscal year 2026 (one per path, same shape). 5,000 pre-built entries
(random pair of 40 leaf accounts, random day of 2026, random amount; same seed for both paths),
cycled by {args.clients} keep-alive clients; {args.warmup:g} s warm-up, {args.duration:g} s
measured, the load generator's garbage collector paused in the window. Every API response is
checked for `errors: []` and status POSTED. Latency = request sent to response read (API) or
transaction start (connection wait included) to commit (raw). The load generator runs in the
benchmark process, on the same 2 cores.

**Results** ({today()}, benchmark took {time.perf_counter() - started:.0f} s):

{table}

**API / raw = {ratio * 100:.0f}%** ({a["rate"]:,.0f} / {ceiling["rate"]:,.0f}) with one API
process, **{m["rate"] / ceiling["rate"] * 100:.0f}%** with {API_WORKERS}
(`serve --workers {API_WORKERS}`); target ≥ 40%. API / raw without the number sequence =
{a["rate"] / n["rate"] * 100:.0f}%. CPU figures cover warm-up + window. **API server CPU per
posted entry: {api_ms:.1f} ms** ({a["api_cpu"]:.1f} s for {a["all_entries"]:,} entries, warm-up
included; its outbox relay included).

**Reading.** Every posting of a company's fiscal year takes the year's one
`entry_number_sequences` row and keeps its lock until commit (gapless numbers): that row is the
queue, and what a posting does while it holds it sets the ceiling. A posting through the API
makes 6 round trips to PostgreSQL: BEGIN; currency, accounts and the period share-locked (one
statement); header, lines and balance rows (one statement); the month's posting count
(maxTransactions); one last statement that draws the number, posts the header, writes the
events' outbox rows and appends the audit row (`shared.audit_append` claims one of 8 audit
lanes and chains the hash in the database); COMMIT. The raw path makes 5 (no count, and its
last statement only draws the number). What separates the two is the API process's own CPU per
entry (HTTP, GraphQL, authentication's Redis round trip, the domain, the report-cache bump, the
relay): one event loop on one core, while the raw path is bound by the number row. The API's
pool is small (2 + 1 per core: 4 + 2 here) because each round trip of an open posting also
waits for the event loop to resume it: more connections meant more open postings holding
balance rows while queueing for the number row (8 + 4 posted ~15% fewer entries/s than 4 + 2,
and 10 + 20 ~20% fewer than 8 + 4, at 32 clients on this machine). The raw row without the
sequence (the closest to the pgbench script quoted in the issue: entry + 2 lines + 2 balance
updates) shows what gapless numbering costs on its own. The relay, in the API process, reads
and settles the outbox through its own asyncpg connections and publishes each stored envelope
as it is (`python -m bench.accounting_profile --cpu` measures it). Earlier in this project
(same benchmark): API 75 entries/s vs raw 412/s, 18%; then 237 vs 721/s, 33%; then 231 vs
677/s, 34% (before input objects were planned once per type, the first two statements were
merged and the pool went to 4 + 2).

{machine_markdown(info)}

**Reproduce:** `.venv/bin/python -m bench.accounting_posting --clients {args.clients} --warmup
{args.warmup:g} --duration {args.duration:g}`
"""
    write_section(NAME, body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--duration", type=float, default=20)
    asyncio.run(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
