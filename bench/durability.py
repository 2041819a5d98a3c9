"""Durability under kill -9: nothing acknowledged is lost or doubled, read models equal the
ledger, and a subscriber misses no event, while the API, the worker and Redis are each killed
and restarted under load.

`python -m bench.durability [--duration 60] [--clients 8] [--kill-every 5] [--down 2]`

Real processes throughout: PostgreSQL and Redis (embedded, in a temp dir, durable; or
DATABASE_URL — a database of its own on it, dropped afterwards — and REDIS_URL, which is then
not killed), the API (`bigledger serve`) and a Celery worker (`bigledger worker`) as separate
process groups (bench/fault_stack.py). A provisioned tenant with a company (Malaysian SME
chart), a fiscal year and 12 customers. `--clients` clients post journal entries, invoices and
payments with idempotency keys, retrying as a real client does (bench/durability_clients.py);
one websocket subscriber follows `domainEvents`, reconnecting (with `after` when the schema has
it; bench/event_follower.py). Every `--kill-every` seconds the next of API, worker, Redis is
killed with SIGKILL and started again `--down` seconds later. When the load stops, the run
waits (at most `--settle` s) for the outbox, the handlers and the subscriber to catch up, then
audits (bench/durability_audit.py).

Writes its section of bench/RESULTS.md between `<!-- bench:durability -->` markers. Exits 1 if
any check failed. The test suite runs a shorter version (tests/e2e/test_durability.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.durability_audit import Verdict, audit, caught_up
from bench.durability_clients import Books, LoadRecord, run_clients
from bench.event_follower import EventFollower, resume_argument_type
from bench.fault_stack import FaultStack, Outage, StackSettings, UnexpectedExit
from bench.harness import BENCH_LIMITS, HOST, log
from db.engine import plain_url

NAME = "durability"

LOGIN = """mutation($tenant: String!, $email: String!, $password: String!) {
  login(tenant: $tenant, email: $email, password: $password) { accessToken errors { code } } }"""
CREATE_COMPANY = """mutation($input: CreateCompanyInput!) {
  createCompany(input: $input) { company { id } errors { code message } } }"""
CREATE_YEAR = """mutation($input: CreateFiscalYearInput!) {
  createFiscalYear(input: $input) { errors { code message } } }"""
ACCOUNTS = """query($company: ID!) { accounts(companyId: $company, first: 100) {
  edges { node { id code } } } }"""
CREATE_CUSTOMER = """mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } errors { code message } } }"""
CUSTOMERS = 12
# Settings of the API and worker: a handler task lost with a killed worker is sent again after
# 10 s (the default is 120 s), so that happens within the settle period.
RUN_SETTINGS = {"BIGLEDGER_EVENT_REDISPATCH_AFTER": "10"}


@dataclass(frozen=True)
class Scenario:
    duration_s: float = 60.0  # of load
    clients: int = 8
    first_kill_s: float = 5.0  # into the load
    kill_every_s: float = 5.0  # from one process being back to the next kill (and to the end)
    down_s: float = 2.0  # a killed process stays down this long
    settle_s: float = 90.0  # at most, after the load, for events and handlers to catch up
    progress_every_s: float = 3.0


@dataclass
class DurabilityReport:
    scenario: Scenario
    record: LoadRecord
    verdict: Verdict
    outages: list[Outage]
    unexpected_exits: list[UnexpectedExit]
    load_s: float
    settle_s: float  # how long catching up took (or the limit, if it never did)
    settled: bool
    subscriber: dict[str, Any] = field(default_factory=dict)
    redis_killed: bool = True

    def problems(self) -> list[str]:
        out = self.verdict.problems()
        if self.unexpected_exits:
            out.append(
                "processes exited without being killed: "
                + "; ".join(
                    f"{u.process} (exit {u.code}) at {u.at_s:.0f}s" for u in self.unexpected_exits
                )
            )
        if self.record.failed:
            out.append(f"{len(self.record.failed)} commands failed: {self.record.failed[:3]}")
        if self.record.refused:
            out.append(f"{len(self.record.refused)} commands refused: {self.record.refused[:3]}")
        return out


# ---------------------------------------------------------------------------------------------
# setting up
# ---------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def scratch_database(server_url: str, name: str) -> AsyncIterator[str]:
    """A new database `name` on the server of `server_url`, migrated to head; dropped after."""
    from sqlalchemy.engine import make_url

    from db.engine import create_engine
    from db.tenancy import ensure_database, migrate_all

    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    await ensure_database(url)
    try:
        engine = create_engine(url, pool_size=2)
        try:
            await migrate_all(engine)
        finally:
            await engine.dispose()
        yield url
    finally:
        admin = make_url(server_url).set(database="postgres").render_as_string(False)
        conn = await asyncpg.connect(plain_url(admin))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@dataclass(frozen=True)
class TenantLogin:
    id: uuid.UUID
    slug: str
    schema: str
    email: str
    password: str


async def provision(settings: StackSettings) -> TenantLogin:
    """A tenant on the enterprise plan with limits far above the load (no 429s)."""
    from redis.asyncio import Redis

    from db.crypto import FieldCipher
    from db.engine import create_engine
    from db.tenancy import provision_tenant
    from db.tenant_plans import set_plan
    from server.security.passwords import Argon2PasswordHasher

    slug = f"durable_{uuid.uuid4().hex[:8]}"
    password = f"durable-{uuid.uuid4().hex}"
    email = f"admin@{slug}.example"
    cipher = FieldCipher.load(None, settings.data_dir / "encryption-keys.json")
    engine = create_engine(settings.database_url, pool_size=2)
    try:
        made = await provision_tenant(
            engine,
            slug=slug,
            name="Durability Sdn Bhd",
            admin_email=email,
            admin_password_hash=Argon2PasswordHasher().hash(password),
            plan="enterprise",
            timezone="Asia/Kuala_Lumpur",
            currency_code="MYR",
            cipher=cipher,
        )
        redis = Redis.from_url(settings.redis_url)
        try:
            await set_plan(engine, redis, slug=slug, plan="enterprise", limits=BENCH_LIMITS)
        finally:
            await redis.aclose()
    finally:
        await engine.dispose()
    return TenantLogin(made.tenant_id, made.slug, made.schema, email, password)


async def _data(http: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> Any:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    data = body["data"]
    payload = next(iter(data.values()))
    if isinstance(payload, dict) and payload.get("errors"):
        raise RuntimeError(payload["errors"])
    return payload


async def sign_in(url: str, tenant: TenantLogin) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        login = await _data(
            http, LOGIN, {"tenant": tenant.slug, "email": tenant.email, "password": tenant.password}
        )
    return str(login["accessToken"])


async def set_up_books(url: str, token: str, day: date) -> Books:
    """Company (Malaysian SME chart), its fiscal year, customers — through the API."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:
        company = (
            await _data(
                http,
                CREATE_COMPANY,
                {
                    "input": {
                        "name": "Tahan Lasak Sdn Bhd",
                        "currencyCode": "MYR",
                        "timezone": "Asia/Kuala_Lumpur",
                        "chartOfAccounts": "MALAYSIAN_SME",
                    }
                },
            )
        )["company"]["id"]
        await _data(
            http, CREATE_YEAR, {"input": {"companyId": company, "startDate": f"{day.year}-01-01"}}
        )
        accounts = await _data(http, ACCOUNTS, {"company": company})
        by_code = {e["node"]["code"]: e["node"]["id"] for e in accounts["edges"]}
        customers = []
        for i in range(CUSTOMERS):
            made = await _data(
                http,
                CREATE_CUSTOMER,
                {
                    "input": {
                        "companyId": company,
                        "code": f"C{i:03d}",
                        "name": f"Pelanggan {i} Sdn Bhd",
                    }
                },
            )
            customers.append(made["customer"]["id"])
    return Books(company, tuple(customers), by_code["1110"], by_code["6100"], day.isoformat())


async def _outbox_row(dsn: str, schema: str, aggregate_id: str) -> tuple[int, str] | None:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            f'SELECT id, event_id::text FROM "{schema}".outbox WHERE aggregate_id = $1::uuid',
            aggregate_id,
        )
    finally:
        await conn.close()
    return (row[0], row[1]) if row else None


async def wait_until_live(
    url: str, token: str, dsn: str, schema: str, books: Books, follower: EventFollower
) -> int:
    """Create probe customers until the follower receives one's event; that event's outbox
    id (every later event must reach the follower)."""
    headers = {"Authorization": f"Bearer {token}"}
    await asyncio.wait_for(follower.subscribed.wait(), timeout=30)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:
        for attempt in range(30):
            made = await _data(
                http,
                CREATE_CUSTOMER,
                {
                    "input": {
                        "companyId": books.company_id,
                        "code": f"PROBE{attempt}",
                        "name": "Probe",
                    }
                },
            )
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                row = await _outbox_row(dsn, schema, made["customer"]["id"])
                if row is not None and row[1] in follower.seen:
                    return row[0]
                await asyncio.sleep(0.05)
    raise RuntimeError(f"the subscriber never received a probe event: {follower.stream_errors}")


# ---------------------------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------------------------


async def _faults(
    stack: FaultStack, scenario: Scenario, started: float, say: Callable[[str], None]
) -> None:
    """Kill API, worker, Redis in turn: each at least once, then again while there is time for
    a restart within the load."""
    order = ["api", "worker"] + (["redis"] if stack.can_kill_redis else [])
    next_kill = started + scenario.first_kill_s
    n = 0
    while True:
        latest = started + scenario.duration_s - scenario.down_s - 2
        if next_kill > latest and n >= len(order):
            return
        await asyncio.sleep(max(0.0, next_kill - time.monotonic()))
        process = order[n % len(order)]
        n += 1
        say(f"kill -9 {process}")
        outage = await stack.kill_and_restart(process, scenario.down_s)
        say(f"{process} back after {outage.down_s:.1f}s (restart took {outage.restart_s:.1f}s)")
        next_kill = time.monotonic() + scenario.kill_every_s


def _progress_line(t: float, record: LoadRecord, follower: EventFollower) -> str:
    retries = sum(record.retries.values())
    return (
        f"t={t:4.0f}s acknowledged: {record.count('journal')} entries, "
        f"{record.count('invoice')} invoices, {record.count('payment')} payments; "
        f"{retries} retries; subscriber {len(follower.received)} events, "
        f"{follower.connects} connects"
    )


async def run_scenario(
    settings: StackSettings, scenario: Scenario, say: Callable[[str], None] = log
) -> DurabilityReport:
    dsn = plain_url(settings.database_url)
    began = time.monotonic()
    tenant = await provision(settings)
    stack = FaultStack(settings)
    stop_follower = asyncio.Event()
    follower_task: asyncio.Task[None] | None = None
    try:
        await stack.start()
        say(f"tenant provisioned, API and worker started ({time.monotonic() - began:.1f}s)")
        url = f"http://{HOST}:{stack.api_port}"
        token = await sign_in(url, tenant)
        books = await set_up_books(url, token, date.today())
        follower = EventFollower(
            url.replace("http://", "ws://") + "/graphql",
            token,
            await resume_argument_type(url, token),
        )
        follower_task = asyncio.create_task(follower.run(stop_follower))
        after_outbox_id = await wait_until_live(url, token, dsn, tenant.schema, books, follower)
        resume = (
            f"resumes with after: {follower.resume_type}"
            if follower.resume_type
            else "no `after` argument: reconnects without resuming"
        )
        say(
            f"tenant {tenant.slug} ready; subscriber live ({resume}); "
            f"{scenario.clients} clients for {scenario.duration_s:.0f}s"
        )

        record = LoadRecord()
        stop_load = asyncio.Event()
        started = time.monotonic()
        stack.started_at = started  # outages are timed from the start of the load
        give_up_at = started + scenario.duration_s + scenario.settle_s
        clients = asyncio.create_task(
            run_clients(
                url,
                token,
                books,
                clients=scenario.clients,
                stop=stop_load,
                give_up_at=give_up_at,
                record=record,
                run_tag=tenant.slug,
            )
        )
        faults = asyncio.create_task(_faults(stack, scenario, started, say))
        # The load runs its duration, and on past the last restart (if that came later) for
        # as long as the pause between kills, so the restarted process serves load too.
        ends = started + scenario.duration_s
        while time.monotonic() < ends:
            await asyncio.sleep(min(scenario.progress_every_s, max(0.0, ends - time.monotonic())))
            if not faults.done():
                ends = max(ends, time.monotonic() + scenario.kill_every_s)
            for exit_ in await stack.restart_exited():
                say(
                    f"{exit_.process} EXITED on its own (code {exit_.code}); restarted. "
                    f"Its log ends:\n{exit_.log_tail}"
                )
            say(_progress_line(time.monotonic() - started, record, follower))
        stop_load.set()
        await faults
        await clients
        load_s = time.monotonic() - started
        say(f"load stopped after {load_s:.0f}s; waiting for events and handlers to catch up")

        settle_started = time.monotonic()
        settled = False
        last_note = settle_started
        while time.monotonic() - settle_started < scenario.settle_s:
            for exit_ in await stack.restart_exited():
                say(f"{exit_.process} EXITED on its own (code {exit_.code}); restarted")
            if await caught_up(dsn, tenant.schema, after_outbox_id, follower.seen):
                settled = True
                break
            if time.monotonic() - last_note > 10:
                say(f"still catching up after {time.monotonic() - settle_started:.0f}s")
                last_note = time.monotonic()
            await asyncio.sleep(0.5)
        settle_s = time.monotonic() - settle_started
        say(f"{'caught up' if settled else 'NOT caught up'} after {settle_s:.1f}s; auditing")
        verdict = await audit(
            dsn,
            tenant.schema,
            books,
            record,
            api_url=url,
            token=token,
            after_outbox_id=after_outbox_id,
            received=follower.seen,
        )
        subscriber = {
            "received": len(follower.received),
            "duplicates": follower.duplicates,
            "connects": follower.connects,
            "failed_connects": follower.failed_connects,
            "resumed": follower.resumed,
            "resume_type": follower.resume_type,
            "away_s": follower.away_s,
            "stream_errors": list(follower.stream_errors),
        }
        return DurabilityReport(
            scenario,
            record,
            verdict,
            list(stack.outages),
            list(stack.unexpected),
            load_s,
            settle_s,
            settled,
            subscriber,
            redis_killed=stack.can_kill_redis,
        )
    finally:
        stop_follower.set()
        if follower_task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(follower_task, timeout=10)
        await stack.stop()


# ---------------------------------------------------------------------------------------------
# reporting
# ---------------------------------------------------------------------------------------------


def figures(report: DurabilityReport) -> list[tuple[str, str]]:
    """(figure, value) rows: what a reader of RESULTS.md (or a failed test) needs."""
    r, v, e, s = report.record, report.verdict, report.verdict.events, report.subscriber
    acked = len(r.acknowledged)
    latencies = sorted(a.latency_s for a in r.acknowledged)
    worst = f"{latencies[-1]:.1f}" if latencies else "n/a"
    resume = f"with `after` ({s['resumed']} times)" if s["resume_type"] else "no `after` in schema"
    return [
        (
            "commands acknowledged",
            f"{acked:,} ({r.count('journal'):,} journal entries, "
            f"{r.count('invoice'):,} invoices, {r.count('payment'):,} payments; "
            f"{acked / report.load_s:.1f}/s)",
        ),
        (
            "sent again (retries), by reason",
            ", ".join(f"{why}: {n:,}" for why, n in r.retries.most_common()) or "none",
        ),
        ("slowest acknowledgement, retries included", f"{worst} s"),
        (
            "never answered (in doubt) / of them written once",
            f"{len(r.in_doubt)} / {v.in_doubt_written}",
        ),
        ("refused (typed errors) / failed", f"{len(r.refused)} / {len(r.failed)}"),
        ("**lost** (acknowledged, not in the books)", f"**{len(v.lost)}**"),
        ("**doubled** (a reference more than once)", f"**{len(v.doubled)}**"),
        (
            "**read models ≠ ledger**",
            f"**{v.read_model_mismatches}** (monthly balances "
            f"{v.month_balance_mismatches}, daily {v.day_balance_mismatches}, trialBalance "
            f"accounts {len(v.trial_balance_mismatches)}, customer balances "
            f"{len(v.customer_balance_mismatches)}, Σ receivable - 1200: "
            f"{v.receivable_vs_ledger}, Σ advance - 2130: {v.advance_vs_ledger})",
        ),
        (
            "outbox events / never published / never dispatched",
            f"{e.outbox:,} / {e.unpublished} / {e.undispatched}",
        ),
        ("**(event, handler) pairs never handled**", f"**{e.unhandled}** of {e.handler_pairs:,}"),
        (
            "**events missed by the subscriber**",
            f"**{e.missed_by_subscriber}** of "
            f"{e.expected_by_subscriber:,} (received {s['received']:,}, duplicates "
            f"{s['duplicates']})",
        ),
        (
            "subscriber connections",
            f"{s['connects']} ({s['failed_connects']} attempts "
            f"refused; {s['away_s']:.1f} s without a subscription; resumed {resume})",
        ),
        ("errors on the event stream", "; ".join(s["stream_errors"][:3]) or "none"),
        (
            "processes that exited without being killed",
            "; ".join(
                f"{u.process} (exit {u.code}) at {u.at_s:.0f} s" for u in report.unexpected_exits
            )
            or "none",
        ),
        (
            "caught up after the load",
            f"{'yes' if report.settled else '**no**'}, "
            f"in {report.settle_s:.1f} s (limit {report.scenario.settle_s:.0f} s)",
        ),
    ]


def outages_table(report: DurabilityReport) -> str:
    rows = ["| killed (SIGKILL) | at s | down s (kill → ready) | restart s |", "|---|---|---|---|"]
    rows += [
        f"| {o.process} | {o.killed_at_s:.0f} | {o.down_s:.1f} | {o.restart_s:.1f} |"
        for o in report.outages
    ]
    return "\n".join(rows)


def markdown(report: DurabilityReport, info: dict[str, str], took: float, command: str) -> str:
    from bench.harness import machine_markdown, today

    sc = report.scenario
    table = "\n".join(
        ["| figure | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in figures(report)]
    )
    problems = report.problems()
    verdict = (
        "**All checks passed.**"
        if not problems
        else "**Failed checks:**\n\n" + "\n".join(f"- {p}" for p in problems)
    )
    redis = "" if report.redis_killed else " (REDIS_URL was set: Redis was not killed)"
    return f"""## Durability: kill -9 of the API, the worker and Redis under load

**What.** Whether anything acknowledged is lost or doubled, whether the read models still
equal the ledger, and whether a subscriber misses events, while {sc.clients} clients post
journal entries, invoices and customer payments for {sc.duration_s:.0f} s and the API, the
Celery worker and Redis are each killed with SIGKILL and restarted, one after another{redis}.

**Method.** `bench/durability.py`: embedded PostgreSQL (durable) and Redis (AOF) in a temp
dir; the API (`bigledger serve`) and the worker (`bigledger worker`, prefork) as separate
process groups; a provisioned tenant (enterprise plan, limits raised), one company (Malaysian
SME chart), its fiscal year and {CUSTOMERS} customers, made through the API. Each client
repeats: `createJournalEntry(post: true)` (6100 Dr / 1110 Cr), `createInvoice(post: true)`
(1 or 2 free-text lines, half with SST10) or `receivePayment` allocated to one of its own posted
invoices (sometimes 25.00 more, kept as an advance); every command has an idempotency key,
also its `reference`, and is sent again with the same key on a refused or dropped connection,
a timeout, HTTP 5xx/429 or an "Internal server error"/SERVICE_UNAVAILABLE answer (backoff
50 ms doubling to 1 s). One websocket subscriber (graphql-transport-ws) follows
`domainEvents` from before the load to the end, reconnecting every 0.2 s while it cannot
(with `after: <last event id>` when the schema offers it). The first kill comes
{sc.first_kill_s:g} s into the load, each later one {sc.kill_every_s:g} s after the previous
process is back (the load goes on that long after the last restart); a killed process stays
down {sc.down_s:g} s. The API and worker run with
{", ".join(f"`{k}={v}`" for k, v in RUN_SETTINGS.items())} (a handler task lost with a killed
worker is sent again after that many seconds; default 120). A process that exits without
being killed is recorded and restarted, as a supervisor would. After the load the run waits (at most
{sc.settle_s:g} s) until the outbox is published and dispatched, every handler has recorded
every event it receives (`processed_events`) and the subscriber has every event committed
after it was live; then it audits: every acknowledged id is in the books, posted, with its
key as reference; no reference twice; `account_balances` and `account_daily_balances` equal
the journal lines per account and month/day; the API's `trialBalance` equals the journal
lines per account; each customer's `customer_balances` row (receivable, advance, draft total)
equals its open invoices, unapplied payments and draft invoices, and their sums equal the
ledger's 1200 and 2130; outbox rows against `processed_events` and the subscriber's ids.

**Results** ({today()}, run took {took:.0f} s):

{table}

{outages_table(report)}

{verdict}

**Earlier runs** (newest first): {" ".join(HISTORY)}

{machine_markdown(info)}

**Reproduce:** `{command}`
"""


# Earlier runs of this benchmark, kept by hand when the code measured changes.
HISTORY = (
    "2026-12-07 17:51 UTC, commit da08ed6 (before the issue-12 fixes; load average ~9, so one"
    " kill of each process in 60 s): 571 commands acknowledged, 0 lost, 0 doubled, read models"
    " = ledger, but 2 of 607 (event, handler) pairs never handled (InvoiceCreated by"
    " sales.customer_balance: the tasks the killed worker held; still unhandled 90 s after the"
    " load) and the subscriber missed 2 of 1,904 events (no `after` to resume with after the"
    " API restart). In the test's shorter runs on that commit the lost task left a customer's"
    " receivable off by 756.00 and 137.52 against the ledger.",
)


def _print_summary(report: DurabilityReport) -> None:
    for name, value in figures(report):
        print(f"  {name.replace('**', '')}: {value.replace('**', '')}", file=sys.stderr)
    for problem in report.problems():
        print(f"  FAILED: {problem}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# the command
# ---------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def servers(work: Path) -> AsyncIterator[StackSettings]:
    """PostgreSQL and Redis for a run: DATABASE_URL / REDIS_URL if set, else embedded ones."""
    from db.embedded import EmbeddedPostgres, EmbeddedRedis

    data = work / "data"
    started: list[Any] = []
    try:
        external_db = os.environ.get("DATABASE_URL")
        if external_db:
            server_url = external_db
        else:
            postgres = EmbeddedPostgres(data, durable=True)
            started.append(postgres)
            server_url = await asyncio.to_thread(postgres.start)
        redis: EmbeddedRedis | None = None
        redis_url = os.environ.get("REDIS_URL", "")
        if not redis_url:
            redis = EmbeddedRedis(data, durable=True)
            started.append(redis)
            redis_url = await asyncio.to_thread(redis.start)
        broker = os.environ.get("CELERY_BROKER_URL") or redis_url.rsplit("/", 1)[0] + "/1"
        name = f"bigledger_durability_{uuid.uuid4().hex[:8]}"
        async with scratch_database(server_url, name) as database_url:
            log(f"PostgreSQL database {name}, Redis {redis_url}; logs in {work}")
            yield StackSettings(
                database_url,
                redis_url,
                broker,
                data,
                work,
                f"durability-{uuid.uuid4().hex[:8]}",
                redis,
                dict(RUN_SETTINGS),
            )
    finally:
        for server in reversed(started):
            with contextlib.suppress(Exception):
                await asyncio.to_thread(server.stop)


async def main_async(args: argparse.Namespace) -> int:
    from bench.harness import machine_info, write_section

    info = machine_info()
    scenario = Scenario(
        duration_s=args.duration,
        clients=args.clients,
        kill_every_s=args.kill_every,
        down_s=args.down,
        settle_s=args.settle,
    )
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="bigledger-durability-"))
    async with servers(work) as settings:
        report = await run_scenario(settings, scenario)
    took = time.perf_counter() - started
    _print_summary(report)
    command = (
        f".venv/bin/python -m bench.durability --duration {args.duration:g} "
        f"--clients {args.clients} --kill-every {args.kill_every:g} --down {args.down:g}"
    )
    if args.write:
        write_section(NAME, markdown(report, info, took, command))
    if report.problems():
        log(f"FAILED ({len(report.problems())} checks); process logs kept in {work}")
        return 1
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--kill-every",
        type=float,
        default=5.0,
        help="seconds from one process being back to the next kill",
    )
    parser.add_argument("--down", type=float, default=2.0, help="seconds a killed process is down")
    parser.add_argument(
        "--settle",
        type=float,
        default=90.0,
        help="at most this long for events and handlers to catch up",
    )
    parser.add_argument(
        "--no-write", dest="write", action="store_false", help="do not update bench/RESULTS.md"
    )
    args = parser.parse_args(argv)
    if not 10 <= args.duration <= 3600 or not 1 <= args.clients <= 64:
        parser.error("--duration 10..3600, --clients 1..64")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
