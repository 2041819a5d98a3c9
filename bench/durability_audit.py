"""The durability scenario's verdict: the books, the read models and the event streams compared
with what the clients were told and with each other, read from PostgreSQL (and the trial
balance through the API, as a user reads it).

Every figure is a count of things wrong, so each should be 0:

* lost — an acknowledged command whose document or posted entry is not in the books;
* doubled — an idempotency key (the documents' `reference`) found more than once;
* read models — `account_balances` (per month) and `account_daily_balances` (per day) against
  the journal lines; the API's `trialBalance` against the journal lines; each customer's
  `customer_balances` row (kept by the worker: receivable, advance, draft total) against its
  invoices and payments; the sum of receivables against the ledger's 1200 and of advances
  against 2130;
* events — outbox rows never published or never dispatched; (event, handler) pairs with no
  `processed_events` row (an event its handler never acted on); events the subscriber should
  have received (committed after it was live) but did not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from bench.durability_clients import Books, LoadRecord
from workers.handlers import SUBSCRIBERS

TRIAL_BALANCE = """query($company: ID!, $asOf: Date!) {
  trialBalance(companyId: $company, asOf: $asOf) {
    lines { account { id code } totalDebits totalCredits } balanced } }"""


@dataclass
class EventFigures:
    outbox: int = 0  # this tenant's outbox rows
    unpublished: int = 0
    undispatched: int = 0
    handler_pairs: int = 0  # (event, handler) pairs the handlers should act on
    unhandled: int = 0  # ... with no processed_events row
    unhandled_examples: list[str] = field(default_factory=list)
    expected_by_subscriber: int = 0  # committed after the subscriber was live
    missed_by_subscriber: int = 0
    missed_examples: list[str] = field(default_factory=list)


@dataclass
class Verdict:
    lost: list[str] = field(default_factory=list)  # "kind key: why"
    doubled: list[str] = field(default_factory=list)  # "table reference xn"
    in_doubt_written: int = 0  # never-answered commands that did take effect (once)
    month_balance_mismatches: int = 0
    day_balance_mismatches: int = 0
    trial_balance_mismatches: list[str] = field(default_factory=list)
    customer_balance_mismatches: list[str] = field(default_factory=list)
    receivable_vs_ledger: Decimal = Decimal(0)  # read model minus ledger (1200)
    advance_vs_ledger: Decimal = Decimal(0)  # read model minus ledger (2130)
    events: EventFigures = field(default_factory=EventFigures)

    @property
    def read_model_mismatches(self) -> int:
        return (
            self.month_balance_mismatches
            + self.day_balance_mismatches
            + len(self.trial_balance_mismatches)
            + len(self.customer_balance_mismatches)
            + (self.receivable_vs_ledger != 0)
            + (self.advance_vs_ledger != 0)
        )

    def problems(self) -> list[str]:
        """Every failed check, one line each (empty: the run is clean)."""
        e = self.events
        out = []
        if self.lost:
            out.append(f"{len(self.lost)} lost: {self.lost[:3]}")
        if self.doubled:
            out.append(f"{len(self.doubled)} doubled: {self.doubled[:3]}")
        if self.month_balance_mismatches or self.day_balance_mismatches:
            out.append(
                f"account_balances rows differing from the journal lines: "
                f"{self.month_balance_mismatches} monthly, "
                f"{self.day_balance_mismatches} daily"
            )
        if self.trial_balance_mismatches:
            out.append(
                f"trialBalance differs from the journal lines: {self.trial_balance_mismatches[:3]}"
            )
        if self.customer_balance_mismatches:
            out.append(
                f"{len(self.customer_balance_mismatches)} customer balances differ "
                f"from their documents: {self.customer_balance_mismatches[:3]}"
            )
        if self.receivable_vs_ledger or self.advance_vs_ledger:
            out.append(
                f"customer balances minus ledger: receivable {self.receivable_vs_ledger}"
                f" (1200), advance {self.advance_vs_ledger} (2130)"
            )
        if e.unpublished or e.undispatched:
            out.append(
                f"outbox rows never published: {e.unpublished}, never dispatched: {e.undispatched}"
            )
        if e.unhandled:
            out.append(
                f"{e.unhandled} of {e.handler_pairs} (event, handler) pairs never "
                f"handled: {e.unhandled_examples[:3]}"
            )
        if e.missed_by_subscriber:
            out.append(
                f"subscriber missed {e.missed_by_subscriber} of "
                f"{e.expected_by_subscriber} events: {e.missed_examples[:3]}"
            )
        return out


def _keys(record: LoadRecord, kind: str) -> list[str]:
    return [a.key for a in record.acknowledged if a.kind == kind] + [
        key for k, key in record.in_doubt if k == kind
    ]


async def _lost(conn: asyncpg.Connection, s: str, record: LoadRecord) -> list[str]:
    """Acknowledged commands whose document is missing or whose entry is not posted."""
    found: dict[str, tuple[Any, ...]] = {}
    by_kind = {
        "journal": f"""SELECT t.id::text, t.reference, t.status::text = 'posted'
                       FROM "{s}".transactions t WHERE t.id = ANY($1::uuid[])""",
        "invoice": f"""SELECT d.id::text, d.reference,
                         d.status IN ('posted', 'partially_paid', 'paid')
                         AND t.status::text = 'posted'
                       FROM "{s}".sales_documents d
                       LEFT JOIN "{s}".transactions t ON t.id = d.journal_entry_id
                       WHERE d.id = ANY($1::uuid[]) AND d.kind = 'invoice'""",
        "payment": f"""SELECT p.id::text, p.reference, t.status::text = 'posted'
                       FROM "{s}".customer_payments p
                       LEFT JOIN "{s}".transactions t ON t.id = p.journal_entry_id
                       WHERE p.id = ANY($1::uuid[])""",
    }
    for kind, sql in by_kind.items():
        ids = [a.id for a in record.acknowledged if a.kind == kind]
        for row in await conn.fetch(sql, ids):
            found[row[0]] = (row[1], row[2])
    lost = []
    for a in record.acknowledged:
        row = found.get(a.id)
        if row is None:
            lost.append(f"{a.kind} {a.key}: {a.id} not in the books")
        elif row[0] != a.key:
            lost.append(f"{a.kind} {a.key}: {a.id} carries reference {row[0]!r}")
        elif not row[1]:
            lost.append(f"{a.kind} {a.key}: {a.id} not posted")
    return lost


async def _doubled(
    conn: asyncpg.Connection, s: str, record: LoadRecord, company: str
) -> tuple[list[str], int]:
    """References found more than once; and how many never-answered commands took effect."""
    tables = {
        "journal": "transactions",
        "invoice": "sales_documents",
        "payment": "customer_payments",
    }
    doubled, written = [], 0
    in_doubt = {key for _, key in record.in_doubt}
    for kind, table in tables.items():
        rows = await conn.fetch(
            f"""SELECT reference, count(*) AS n FROM "{s}".{table}
                WHERE company_id = $1::uuid AND reference = ANY($2::text[])
                GROUP BY reference""",
            company,
            _keys(record, kind),
        )
        for row in rows:
            if row["n"] > 1:
                doubled.append(f"{table} {row['reference']} x{row['n']}")
            if row["reference"] in in_doubt:
                written += 1
    return doubled, written


async def _balance_mismatches(conn: asyncpg.Connection, s: str, company: str) -> tuple[int, int]:
    """Rows of the monthly and daily balance read models that differ from the journal lines."""
    counts = []
    for table, key, bucket in (
        ("account_balances", "period_month", "date_trunc('month', l.transaction_date)::date"),
        ("account_daily_balances", "balance_date", "l.transaction_date"),
    ):
        counts.append(
            await conn.fetchval(
                f"""
            WITH ledger AS (
              SELECT l.account_id, {bucket} AS bucket, sum(l.base_debit) AS d,
                     sum(l.base_credit) AS c
              FROM "{s}".journal_lines l JOIN "{s}".transactions t ON t.id = l.transaction_id
              WHERE l.company_id = $1::uuid AND t.status::text <> 'draft'
              GROUP BY 1, 2),
            model AS (SELECT account_id, {key} AS bucket, debit_total AS d, credit_total AS c
                      FROM "{s}".{table} WHERE company_id = $1::uuid)
            SELECT count(*) FROM ledger FULL JOIN model USING (account_id, bucket)
            WHERE coalesce(ledger.d, 0) <> coalesce(model.d, 0)
               OR coalesce(ledger.c, 0) <> coalesce(model.c, 0)""",
                company,
            )
        )
    return counts[0], counts[1]


async def _ledger_totals(
    conn: asyncpg.Connection, s: str, company: str
) -> dict[str, tuple[Decimal, Decimal]]:
    """Account code -> (debits, credits) of the posted journal lines."""
    rows = await conn.fetch(
        f"""
        SELECT a.account_code, sum(l.base_debit) AS d, sum(l.base_credit) AS c
        FROM "{s}".journal_lines l JOIN "{s}".transactions t ON t.id = l.transaction_id
        JOIN "{s}".chart_of_accounts a ON a.id = l.account_id
        WHERE l.company_id = $1::uuid AND t.status::text <> 'draft'
        GROUP BY a.account_code""",
        company,
    )
    return {r["account_code"]: (r["d"], r["c"]) for r in rows}


async def _trial_balance(
    http: httpx.AsyncClient, books: Books, ledger: dict[str, tuple[Decimal, Decimal]]
) -> list[str]:
    response = await http.post(
        "/graphql",
        json={
            "query": TRIAL_BALANCE,
            "variables": {"company": books.company_id, "asOf": books.day},
        },
    )
    body = response.json()
    if body.get("errors") or not body.get("data", {}).get("trialBalance"):
        return [f"trialBalance answered {str(body)[:200]}"]
    shown = {
        line["account"]["code"]: (Decimal(line["totalDebits"]), Decimal(line["totalCredits"]))
        for line in body["data"]["trialBalance"]["lines"]
    }
    zero = (Decimal(0), Decimal(0))
    out = []
    for code in sorted(set(shown) | set(ledger)):
        if shown.get(code, zero) != ledger.get(code, zero):
            out.append(
                f"{code}: trialBalance {shown.get(code, zero)}, ledger {ledger.get(code, zero)}"
            )
    return out


async def _customer_balances(conn: asyncpg.Connection, s: str, company: str) -> list[str]:
    """Each customer's read-model receivable, advance and draft total vs its invoices and
    payments."""
    rows = await conn.fetch(
        f"""
        WITH docs AS (
          SELECT customer_id,
                 sum(total - amount_paid - amount_credited) FILTER (
                   WHERE status IN ('posted', 'partially_paid', 'paid')) AS receivable,
                 sum(base_total) FILTER (WHERE status = 'draft') AS draft
          FROM "{s}".sales_documents WHERE company_id = $1::uuid AND kind = 'invoice'
          GROUP BY 1),
        pays AS (
          SELECT customer_id, sum(amount - allocated_amount - refunded_amount) AS advance
          FROM "{s}".customer_payments WHERE company_id = $1::uuid GROUP BY 1),
        truth AS (
          SELECT customer_id, coalesce(docs.receivable, 0) AS receivable,
                 coalesce(pays.advance, 0) AS advance, coalesce(docs.draft, 0) AS draft
          FROM docs FULL JOIN pays USING (customer_id)),
        model AS (
          SELECT customer_id, receivable, advance, draft_total AS draft
          FROM "{s}".customer_balances WHERE company_id = $1::uuid)
        SELECT customer_id::text,
               coalesce(truth.receivable, 0) AS want_r, coalesce(model.receivable, 0) AS got_r,
               coalesce(truth.advance, 0) AS want_a, coalesce(model.advance, 0) AS got_a,
               coalesce(truth.draft, 0) AS want_d, coalesce(model.draft, 0) AS got_d
        FROM truth FULL JOIN model USING (customer_id)
        WHERE coalesce(truth.receivable, 0) <> coalesce(model.receivable, 0)
           OR coalesce(truth.advance, 0) <> coalesce(model.advance, 0)
           OR coalesce(truth.draft, 0) <> coalesce(model.draft, 0)""",
        company,
    )
    return [
        f"customer {r['customer_id']}: receivable {r['got_r']} (documents {r['want_r']}), "
        f"advance {r['got_a']} (payments {r['want_a']}), draft {r['got_d']} "
        f"(documents {r['want_d']})"
        for r in rows
    ]


async def _events(
    conn: asyncpg.Connection, s: str, after_outbox_id: int, received: set[str]
) -> EventFigures:
    figures = EventFigures()
    rows = await conn.fetch(f"""
        SELECT o.id, o.event_id::text AS event_id, o.event_type, o.published_at IS NULL AS unpub,
               o.dispatched_at IS NULL AS undisp,
               coalesce(array_agg(p.handler) FILTER (WHERE p.handler IS NOT NULL), '{{}}')
                 AS handled
        FROM "{s}".outbox o LEFT JOIN "{s}".processed_events p ON p.event_id = o.event_id
        GROUP BY o.id ORDER BY o.id""")
    for row in rows:
        figures.outbox += 1
        figures.unpublished += row["unpub"]
        figures.undispatched += row["undisp"]
        for handler in SUBSCRIBERS.get(row["event_type"], ()):
            figures.handler_pairs += 1
            if handler not in row["handled"]:
                figures.unhandled += 1
                figures.unhandled_examples.append(
                    f"{row['event_type']} {row['event_id']} by {handler}"
                )
        if row["id"] > after_outbox_id:
            figures.expected_by_subscriber += 1
            if row["event_id"] not in received:
                figures.missed_by_subscriber += 1
                figures.missed_examples.append(f"{row['event_type']} {row['event_id']}")
    return figures


async def caught_up(dsn: str, schema: str, after_outbox_id: int, received: set[str]) -> bool:
    """Whether the event figures are all 0 yet (the settle loop's cheap question)."""
    conn = await asyncpg.connect(dsn)
    try:
        e = await _events(conn, schema, after_outbox_id, received)
    finally:
        await conn.close()
    return not (e.unpublished or e.undispatched or e.unhandled or e.missed_by_subscriber)


async def audit(
    dsn: str,
    schema: str,
    books: Books,
    record: LoadRecord,
    *,
    api_url: str,
    token: str,
    after_outbox_id: int,
    received: set[str],
) -> Verdict:
    verdict = Verdict()
    conn = await asyncpg.connect(dsn)
    try:
        company = books.company_id
        verdict.lost = await _lost(conn, schema, record)
        verdict.doubled, verdict.in_doubt_written = await _doubled(conn, schema, record, company)
        months, days = await _balance_mismatches(conn, schema, company)
        verdict.month_balance_mismatches, verdict.day_balance_mismatches = months, days
        ledger = await _ledger_totals(conn, schema, company)
        verdict.customer_balance_mismatches = await _customer_balances(conn, schema, company)
        totals = await conn.fetchrow(
            f"""SELECT coalesce(sum(receivable), 0) AS r, coalesce(sum(advance), 0) AS a
                FROM "{schema}".customer_balances WHERE company_id = $1::uuid""",
            company,
        )
        zero = (Decimal(0), Decimal(0))
        ar_debit, ar_credit = ledger.get("1200", zero)
        adv_debit, adv_credit = ledger.get("2130", zero)
        verdict.receivable_vs_ledger = totals["r"] - (ar_debit - ar_credit)
        verdict.advance_vs_ledger = totals["a"] - (adv_credit - adv_debit)
        verdict.events = await _events(conn, schema, after_outbox_id, received)
    finally:
        await conn.close()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=30) as http:
        verdict.trial_balance_mismatches = await _trial_balance(http, books, ledger)
    return verdict


def first(items: Sequence[str], n: int = 3) -> str:
    return "; ".join(items[:n]) + (f" (+{len(items) - n} more)" if len(items) > n else "")
