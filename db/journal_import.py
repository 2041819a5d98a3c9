"""`bigledger import journal`: posting journal entries from a CSV file through COPY.

The file is read in batches of whole entries (about `batch_size` lines each). Each batch is one
transaction, all or nothing: its rows are COPYed into a temporary staging table, validated in
SQL (formats, accounts, periods, balance per entry), and then posted set-based — headers, lines
and both balance read models with one INSERT ... SELECT each, entry numbers reserved with one
UPDATE per fiscal year and assigned in file order. A rejected batch writes nothing; batches
before it stay committed, and the report says from which line to resume (`--start-line`).

Imported entries are posted directly, without one TransactionPosted event per entry (a million
lines would flood the outbox, Redis and every subscriber). Each batch writes instead, in its own
transaction, one `JournalImported` outbox event (company, entries, lines, first and last date,
file lines) and one audit row (operation `importJournal`); subscribers of the company's books
(e.g. `trialBalanceChanged`) react to it as to a posting. Each batch also counts its entries in
the month's postings (`posting_counters`, the usage maxTransactions limits; an import itself is
never refused), and its foreign-currency lines feed `account_currency_balances` (what
revaluation reads), like every posting.

Lock order as every posting's (domain/accounting/handlers.py): periods (shared), balance rows,
then the fiscal years' number sequences, then the audit lane.
"""

from __future__ import annotations

import contextlib
import csv
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db import audit
from db.driver_path.columns import insert_columns
from db.driver_path.posting import entry_number_sql
from db.driver_path.statement_parts import Preceding
from db.outbox import notify_relays, outbox_rows
from db.tables.accounting import journal_lines, transactions
from db.tables.shared import tenants, users
from db.tenant_plans import PostingCountSql
from domain.accounting.events import COMPANY_BOOKS, JOURNAL_IMPORTED
from domain.accounting.model import entry_number_prefix
from domain.shared.clock import utcnow
from domain.shared.events import DomainEvent, EventMetadata, EventOrigin, RecordedEvent

COLUMNS = (
    "entry_ref",
    "date",
    "account_code",
    "description",
    "debit",
    "credit",
    "currency",
    "exchange_rate",
)
REQUIRED = ("entry_ref", "date", "account_code", "debit", "credit")
HELP = """\
CSV with a header row; columns (any order): entry_ref, date (YYYY-MM-DD), account_code,
description, debit, credit, currency (default: the company's), exchange_rate (required for
another currency; base = amount x rate rounded half-up to 4 places). description, currency and
exchange_rate may be omitted. One line per row; the lines of one entry share entry_ref and are
consecutive. Each entry balances in base currency, posts into an open period, to active accounts
of the company; amounts are non-negative with at most 4 decimals, one of debit/credit per line.
Entries get the next gapless numbers of their fiscal year in file order. Each batch (about
--batch-size lines, whole entries) is one transaction: a bad row rejects its batch (exit 2, every
problem listed with its file line, nothing of that batch written); earlier batches stay
imported and the report names the --start-line to resume from."""

_STAGE_COLUMNS = [
    "line_no",
    "entry_seq",
    "entry_ref",
    "tdate",
    "account_code",
    "description",
    "debit",
    "credit",
    "currency",
    "rate",
]
MAX_REPORTED = 50


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str


class ImportRejected(Exception):
    def __init__(self, problems: list[Problem], first_line: int, committed_through: int) -> None:
        self.problems = problems
        self.first_line = first_line  # the rejected batch's first file line
        self.committed_through = committed_through  # last file line of earlier batches (0: none)
        super().__init__(f"{len(problems)} problem(s) in the batch starting at line {first_line}")


@dataclass
class ImportReport:
    lines: int = 0
    entries: int = 0
    batches: int = 0
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step, all batches

    def timed(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.steps[step] = self.steps.get(step, 0.0) + now - since
        return now


Row = tuple[int, int, str, str, str, str, str, str, str, str]
Progress = Callable[[ImportReport], None]


def _batches(path: Path, batch_size: int, start_line: int) -> Iterator[list[Row]]:
    """Rows of whole entries, ~batch_size per batch; raises ImportRejected on format errors
    that SQL cannot see (header, entries split apart)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in REQUIRED if c not in header]
        unknown = [c for c in header if c not in COLUMNS]
        if missing or unknown:
            reason = f"header needs columns {', '.join(REQUIRED)}"
            if missing:
                reason += f"; missing: {', '.join(missing)}"
            if unknown:
                reason += f"; unknown: {', '.join(unknown)}"
            raise ImportRejected([Problem(1, reason)], 1, 0)
        where = {name: header.index(name) for name in COLUMNS if name in header}
        batch: list[Row] = []
        seen: set[str] = set()
        current: str | None = None
        seq = 0
        for record in reader:
            line = reader.line_num
            if line < start_line or not any(field.strip() for field in record):
                continue
            if len(record) != len(header):
                raise ImportRejected(
                    [Problem(line, f"{len(record)} fields, the header has {len(header)}")],
                    batch[0][0] if batch else line,
                    0,
                )
            values = {name: record[i].strip() for name, i in where.items()}
            ref = values["entry_ref"]
            if ref != current:
                if ref in seen:
                    raise ImportRejected(
                        [Problem(line, f"entry {ref!r} continues after other entries' lines")],
                        batch[0][0] if batch else line,
                        0,
                    )
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
                seen.add(ref)
                current = ref
                seq += 1
            batch.append(
                (
                    line,
                    seq,
                    ref,
                    values["date"],
                    values["account_code"],
                    values.get("description", ""),
                    values["debit"],
                    values["credit"],
                    values.get("currency", ""),
                    values.get("exchange_rate", ""),
                )
            )
        if batch:
            yield batch


_AMOUNT = r"^\d{1,15}(\.\d{1,4})?$"
_RATE = r"^\d{1,9}(\.\d{1,10})?$"

# Formats first: after this query every cast below is safe.
_FORMAT_CHECK = rf"""
SELECT line_no, reason FROM (
  SELECT line_no, CASE
    WHEN entry_ref = '' THEN 'entry_ref is empty'
    WHEN length(entry_ref) > 100 THEN 'entry_ref has more than 100 characters'
    WHEN tdate !~ '^\d{{4}}-\d{{2}}-\d{{2}}$' THEN format('date %s is not YYYY-MM-DD', tdate)
    WHEN substr(tdate, 6, 2)::int NOT BETWEEN 1 AND 12 THEN format('no such date %s', tdate)
    WHEN substr(tdate, 1, 4)::int < 1 OR substr(tdate, 9, 2)::int < 1
      OR substr(tdate, 9, 2)::int > extract(day FROM make_date(substr(tdate, 1, 4)::int,
           substr(tdate, 6, 2)::int, 1) + interval '1 month - 1 day')
      THEN format('no such date %s', tdate)
    WHEN debit LIKE '-%' OR credit LIKE '-%' THEN 'amounts are never negative'
    WHEN debit ~ '^\d+\.\d{{5,}}$' OR credit ~ '^\d+\.\d{{5,}}$'
      THEN 'an amount has more than 4 decimal places'
    WHEN debit <> '' AND debit !~ '{_AMOUNT}' THEN format('debit %s is not an amount', debit)
    WHEN credit <> '' AND credit !~ '{_AMOUNT}'
      THEN format('credit %s is not an amount', credit)
    WHEN (coalesce(nullif(debit, '')::numeric, 0) > 0)
       = (coalesce(nullif(credit, '')::numeric, 0) > 0)
      THEN 'a line has a debit or a credit greater than zero, not both nor neither'
    WHEN currency <> '' AND currency !~ '^[A-Za-z]{{3}}$'
      THEN format('currency %s is not a 3-letter code', currency)
    WHEN rate <> '' AND (rate !~ '{_RATE}' OR rate::numeric = 0)
      THEN format('exchange rate %s is not a number greater than 0', rate)
    WHEN length(description) > 500 THEN 'description has more than 500 characters'
  END AS reason
  FROM import_stage
) checked WHERE reason IS NOT NULL ORDER BY line_no LIMIT {MAX_REPORTED}
"""

_TYPED = """
CREATE TEMP TABLE import_lines ON COMMIT DROP AS
SELECT s.line_no, s.entry_seq, s.entry_ref, s.tdate::date AS tdate, s.account_code,
       a.id AS account_id, a.is_active, nullif(s.description, '') AS description,
       coalesce(nullif(s.debit, '')::numeric, 0) AS debit,
       coalesce(nullif(s.credit, '')::numeric, 0) AS credit,
       upper(coalesce(nullif(s.currency, ''), $2)) AS currency,
       nullif(s.rate, '')::numeric AS rate,
       round(coalesce(nullif(s.debit, '')::numeric, 0)
             * coalesce(nullif(s.rate, '')::numeric, 1), 4) AS base_debit,
       round(coalesce(nullif(s.credit, '')::numeric, 0)
             * coalesce(nullif(s.rate, '')::numeric, 1), 4) AS base_credit
FROM import_stage s
LEFT JOIN chart_of_accounts a ON a.company_id = $1 AND a.account_code = s.account_code
"""

_LOCK_PERIODS = """
SELECT p.id FROM fiscal_periods p
WHERE p.company_id = $1
  AND EXISTS (SELECT 1 FROM import_lines l WHERE l.tdate BETWEEN p.start_date AND p.end_date)
ORDER BY p.id FOR SHARE
"""

_CONTENT_CHECK = f"""
SELECT line_no, reason FROM (
  SELECT l.line_no, CASE
    WHEN l.account_id IS NULL
      THEN format('account %s does not exist in this company', l.account_code)
    WHEN NOT l.is_active THEN format('account %s is inactive', l.account_code)
    WHEN l.currency = $2 AND l.rate IS NOT NULL AND l.rate <> 1
      THEN format('a line in the base currency %s has exchange rate 1', $2)
    WHEN l.currency <> $2 AND l.rate IS NULL
      THEN format('a line in %s needs the exchange rate to %s', l.currency, $2)
    WHEN l.base_debit + l.base_credit = 0
      THEN 'the amount rounds to zero in base currency'
    WHEN p.id IS NULL THEN format('no fiscal period of this company covers %s', l.tdate)
    WHEN p.status <> 'open'
      THEN format('period %s (%s to %s) is %s', p.period_number, p.start_date, p.end_date,
                  p.status)
  END AS reason
  FROM import_lines l
  LEFT JOIN fiscal_periods p
    ON p.company_id = $1 AND l.tdate BETWEEN p.start_date AND p.end_date
  UNION ALL
  SELECT min(line_no), CASE
    WHEN count(*) < 2 THEN format('entry %s has %s line; an entry needs at least 2',
                                  min(entry_ref), count(*))
    WHEN count(*) > 1000 THEN format('entry %s has more than 1000 lines', min(entry_ref))
    WHEN count(DISTINCT tdate) > 1 THEN format('the lines of entry %s have different dates',
                                               min(entry_ref))
    WHEN sum(base_debit) <> sum(base_credit)
      THEN format('entry %s does not balance: debits %s, credits %s (base currency %s)',
                  min(entry_ref), sum(base_debit), sum(base_credit), $2)
  END
  FROM import_lines GROUP BY entry_seq
) checked WHERE reason IS NOT NULL ORDER BY line_no LIMIT {MAX_REPORTED}
"""

_ENTRIES = """
CREATE TEMP TABLE import_entries ON COMMIT DROP AS
SELECT e.*, row_number() OVER (PARTITION BY e.fiscal_year_id ORDER BY e.entry_seq) AS rn
FROM (
  SELECT l.entry_seq, min(l.entry_ref) AS reference, min(l.tdate) AS tdate,
         p.fiscal_year_id, y.end_date AS year_end, sum(l.base_debit) AS total,
         gen_random_uuid() AS id
  FROM import_lines l
  JOIN fiscal_periods p ON p.company_id = $1 AND l.tdate BETWEEN p.start_date AND p.end_date
  JOIN fiscal_years y ON y.id = p.fiscal_year_id
  GROUP BY l.entry_seq, p.fiscal_year_id, y.end_date
) e
"""

# The fiscal years' sequence rows, locked, with each year's end (its numbers' prefix).
_LOCK_SEQUENCES = """
SELECT s.fiscal_year_id, e.year_end FROM entry_number_sequences s
JOIN (SELECT DISTINCT fiscal_year_id, year_end FROM import_entries) e USING (fiscal_year_id)
WHERE s.company_id = $1
ORDER BY s.fiscal_year_id FOR UPDATE OF s
"""

# Column lists from db/tables/accounting.py (`insert_columns`); the columns not named here
# take their defaults. An entry's number is the domain's (`entry_number_sql`): each fiscal
# year's prefix comes as a parameter ($4 years, $5 their prefixes).
_HEADER_COLUMNS, _HEADER_VALUES = insert_columns(
    transactions,
    {
        "id": "e.id",
        "company_id": "$1",
        "transaction_date": "e.tdate",
        "reference": "e.reference",
        "total_amount": "e.total",
        "currency_code": "$2",
        "status": "'posted'",
        "created_at": "now()",
        "updated_at": "now()",
        "entry_number": entry_number_sql("y.prefix", "r.first + e.rn - 1"),
        "fiscal_year_id": "e.fiscal_year_id",
        "created_by": "$3",
        "posted_at": "now()",
        "posted_by": "$3",
        "version": "2",
    },
)
_HEADERS = f"""
WITH wanted AS (
  SELECT fiscal_year_id, count(*) AS n FROM import_entries GROUP BY fiscal_year_id
), reserved AS (
  UPDATE entry_number_sequences s SET next_value = s.next_value + w.n
  FROM wanted w
  WHERE s.company_id = $1 AND s.fiscal_year_id = w.fiscal_year_id
  RETURNING s.fiscal_year_id, s.next_value - w.n AS first
)
INSERT INTO transactions ({_HEADER_COLUMNS})
SELECT {_HEADER_VALUES}
FROM import_entries e JOIN reserved r USING (fiscal_year_id)
JOIN unnest($4::uuid[], $5::text[]) AS y(fiscal_year_id, prefix) USING (fiscal_year_id)
ORDER BY e.entry_seq
"""

_LINE_COLUMNS, _LINE_VALUES = insert_columns(
    journal_lines,
    {
        "transaction_id": "e.id",
        "line_number": "row_number() OVER (PARTITION BY l.entry_seq ORDER BY l.line_no)",
        "transaction_date": "l.tdate",
        "company_id": "$1",
        "account_id": "l.account_id",
        "description": "l.description",
        "currency_code": "l.currency",
        "exchange_rate": "coalesce(l.rate, 1)",
        "debit": "l.debit",
        "credit": "l.credit",
        "base_debit": "l.base_debit",
        "base_credit": "l.base_credit",
    },
)
_LINES = f"""
INSERT INTO journal_lines ({_LINE_COLUMNS})
SELECT {_LINE_VALUES}
FROM import_lines l JOIN import_entries e USING (entry_seq)
"""

_BALANCES = """
INSERT INTO {table} (account_id, {key}, company_id, debit_total, credit_total)
SELECT account_id, {day}, $1, sum(base_debit), sum(base_credit)
FROM import_lines GROUP BY 1, 2 ORDER BY 1, 2
ON CONFLICT (account_id, {key}) DO UPDATE
SET debit_total = {table}.debit_total + EXCLUDED.debit_total,
    credit_total = {table}.credit_total + EXCLUDED.credit_total{extra}
"""
_MONTHLY = _BALANCES.format(
    table="account_balances",
    key="period_month",
    day="date_trunc('month', tdate)::date",
    extra=", updated_at = now()",
)
_DAILY = _BALANCES.format(table="account_daily_balances", key="balance_date", day="tdate", extra="")

# Per account, currency and day, the foreign-currency lines (db/repositories/currency.py).
_CURRENCY_BALANCES = """
INSERT INTO account_currency_balances AS b (account_id, currency_code, balance_date, company_id,
    debit_total, credit_total, base_debit_total, base_credit_total)
SELECT account_id, currency, tdate, $1, sum(debit), sum(credit), sum(base_debit),
       sum(base_credit)
FROM import_lines WHERE currency <> $2 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
ON CONFLICT (account_id, currency_code, balance_date) DO UPDATE
SET debit_total = b.debit_total + EXCLUDED.debit_total,
    credit_total = b.credit_total + EXCLUDED.credit_total,
    base_debit_total = b.base_debit_total + EXCLUDED.base_debit_total,
    base_credit_total = b.base_credit_total + EXCLUDED.base_credit_total
"""

_BATCH_SUMMARY = """
SELECT count(*) AS entries, min(tdate) AS first_date, max(tdate) AS last_date,
       (SELECT count(*) FROM import_lines) AS lines,
       (SELECT count(*) FROM import_lines WHERE currency <> $1) AS foreign_lines
FROM import_entries
"""

_STAGE = """
CREATE TEMP TABLE import_stage (
  line_no integer, entry_seq integer, entry_ref text, tdate text, account_code text,
  description text, debit text, credit text, currency text, rate text
) ON COMMIT DROP
"""


def _months(batch: list[Row]) -> set[date]:
    months: set[date] = set()
    for text in {row[3] for row in batch}:
        with contextlib.suppress(ValueError):  # a bad date is reported by the format check
            months.add(date.fromisoformat(text).replace(day=1))
    return months


async def _target(
    engine: AsyncEngine, slug: str, user_email: str | None
) -> tuple[uuid.UUID, str, uuid.UUID]:
    async with engine.connect() as conn:
        tenant = (
            await conn.execute(
                select(tenants.c.id, tenants.c.schema_name).where(tenants.c.slug == slug)
            )
        ).first()
        if tenant is None:
            raise LookupError(f"no tenant {slug!r}")
        query = select(users.c.id).where(users.c.tenant_id == tenant.id, users.c.is_active)
        if user_email is not None:
            query = query.where(users.c.email == user_email.strip().lower())
        user = (await conn.execute(query.order_by(users.c.created_at).limit(1))).first()
        if user is None:
            who = f"user {user_email}" if user_email else "user"
            raise LookupError(f"no active {who} in tenant {slug!r}")
        return tenant.id, str(tenant.schema_name), user.id


async def _record_batch(
    sa_conn: AsyncConnection,
    conn: Any,
    schema: str,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    company_id: uuid.UUID,
    summary: Any,
    file_lines: tuple[int, int],
    file_name: str,
    chain_key: bytes,
) -> None:
    """The batch's `JournalImported` outbox event and audit row, in the batch's transaction."""
    origin = EventOrigin(
        tenant_id=tenant_id,
        user_id=user_id,
        correlation_id=f"import-{uuid.uuid4()}",
        metadata=EventMetadata(source="bigledger import journal", request_id="cli"),
    )
    payload = {
        "companyId": str(company_id),
        "entries": summary["entries"],
        "lines": summary["lines"],
        "foreignCurrencyLines": summary["foreign_lines"],
        "firstDate": summary["first_date"].isoformat(),
        "lastDate": summary["last_date"].isoformat(),
        "file": file_name,
        "fileLines": {"first": file_lines[0], "last": file_lines[1]},
    }
    event = DomainEvent.stamp(
        RecordedEvent(JOURNAL_IMPORTED, COMPANY_BOOKS, company_id, payload, utcnow()), origin
    )
    await notify_relays(conn, schema)
    # The event's outbox row and the audit row in one statement, as every command writes them.
    await audit.record_command(
        sa_conn,
        origin,
        "importJournal",
        [event],
        key=chain_key,
        preceding=Preceding(*outbox_rows(schema, [event])),
    )


async def import_journal(
    engine: AsyncEngine,
    path: Path,
    *,
    tenant_slug: str,
    company_id: uuid.UUID,
    chain_key: bytes,
    batch_size: int = 10_000,
    start_line: int = 2,
    user_email: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Posts the file's entries; raises ImportRejected (nothing of that batch written) or
    LookupError (no such tenant/company/user)."""
    tenant_id, schema, user_id = await _target(engine, tenant_slug, user_email)
    report = ImportReport()
    counting = PostingCountSql(schema)
    started = time.perf_counter()
    committed_through = 0
    # Not a unit of work: a transaction per batch of COPYed rows on the raw driver, posted
    # set-based and written with its own event and audit row (see the module's docstring).
    async with engine.connect() as sa_conn:
        raw = await sa_conn.get_raw_connection()
        conn: Any = raw.driver_connection  # asyncpg
        await conn.execute(f'SET search_path TO "{schema}", public')
        try:
            base = await conn.fetchval(
                "SELECT currency_code FROM companies WHERE id = $1", company_id
            )
            if base is None:
                raise LookupError(f"no company {company_id} in tenant {tenant_slug!r}")
            batches = _batches(path, batch_size, start_line)
            while True:
                try:
                    batch = next(batches, None)
                except ImportRejected as exc:
                    exc.committed_through = committed_through
                    raise
                if batch is None:
                    break
                first_line = batch[0][0]
                for month in sorted(_months(batch)):  # storage first, committed on its own
                    await conn.fetchval("SELECT journal_lines_ensure_partitions($1, 2)", month)
                t = time.perf_counter()
                async with conn.transaction():
                    await conn.execute(_STAGE)
                    await conn.copy_records_to_table(
                        "import_stage", records=batch, columns=_STAGE_COLUMNS
                    )
                    t = report.timed("copy", t)
                    problems = await conn.fetch(_FORMAT_CHECK)
                    if not problems:
                        await conn.execute(_TYPED, company_id, base)
                        await conn.execute("ANALYZE import_lines")  # temp: never auto-analyzed
                        await conn.execute(_LOCK_PERIODS, company_id)
                        problems = await conn.fetch(_CONTENT_CHECK, company_id, base)
                    t = report.timed("validate", t)
                    if problems:
                        raise ImportRejected(
                            [Problem(p["line_no"], p["reason"]) for p in problems],
                            first_line,
                            committed_through,
                        )
                    await conn.execute(_ENTRIES, company_id)
                    await conn.execute("ANALYZE import_entries")
                    await conn.execute(_MONTHLY, company_id)
                    await conn.execute(_DAILY, company_id)
                    await conn.execute(_CURRENCY_BALANCES, company_id, base)
                    t = report.timed("balances", t)
                    years = await conn.fetch(_LOCK_SEQUENCES, company_id)
                    posted = await conn.execute(
                        _HEADERS, company_id, base, user_id,
                        [y["fiscal_year_id"] for y in years],
                        [entry_number_prefix(y["year_end"]) for y in years],
                    )  # fmt: skip
                    # this month's postings (maxTransactions usage; an import is not refused)
                    await conn.execute(counting.add, int(posted.split()[-1]))
                    t = report.timed("headers", t)
                    await conn.execute(_LINES, company_id)
                    t = report.timed("lines", t)
                    summary = await conn.fetchrow(_BATCH_SUMMARY, base)
                    await _record_batch(
                        sa_conn, conn, schema, tenant_id, user_id, company_id, summary,
                        (first_line, batch[-1][0]), path.name, chain_key,
                    )  # fmt: skip
                    t = report.timed("event and audit row", t)
                t = report.timed("commit (deferred balance check)", t)
                committed_through = batch[-1][0]
                report.lines += len(batch)
                report.entries += int(posted.split()[-1])
                report.batches += 1
                report.seconds = time.perf_counter() - started
                if progress is not None:
                    progress(report)
        finally:
            await conn.execute("RESET search_path")
    report.seconds = time.perf_counter() - started
    return report
