"""The posting's statements (`PostingSql`) and the parameters they take, in one place.

Column lists come from db/tables/accounting.py (`insert_columns`); the header's values are its
columns in table order, then one array per line column (`unnest`), so a statement's text never
depends on how many lines an entry has and asyncpg prepares it once per connection. An entry's
number is formatted by `entry_number_sql`, the domain's format (`entry_number`) in SQL.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from db.crypto import tenant_schema
from db.driver_path.columns import array_type, insert_columns
from db.driver_path.statement_parts import shifted
from db.engine import SCHEMAS_CACHED
from db.tables.accounting import journal_lines, transactions
from domain.accounting.model import (
    ENTRY_NUMBER_DIGITS,
    JournalEntry,
    JournalLine,
    entry_number_prefix,
    month_start,
)

# Every header column is written by a posting: parameters $1.. in table order.
HEADER_COLUMNS: tuple[str, ...] = tuple(column.name for column in transactions.c)
# A line's columns that repeat its header's values (the partition key among them)...
LINE_FROM_HEADER = ("transaction_date", "company_id")
# ...and those it carries itself: `JournalLine`'s attributes of the same names, one array each
# (`transaction_id` is the header's row, `created_at` the database's server default).
LINE_COLUMNS: tuple[str, ...] = tuple(
    column.name
    for column in journal_lines.c
    if column.name not in (*LINE_FROM_HEADER, "transaction_id", "created_at")
)
# `PostingSql.add_entry`'s: the header's values, then the lines' arrays
ENTRY_PARAMETERS = len(HEADER_COLUMNS) + len(LINE_COLUMNS)


def entry_number_sql(prefix: str, sequence: str) -> str:
    """The domain's `entry_number` in SQL: `prefix` (an SQL expression holding the domain's
    `entry_number_prefix`), then the `sequence` expression zero-padded to ENTRY_NUMBER_DIGITS
    (more digits once it outgrows them, never cut)."""
    digits = f"({sequence})::text"
    return f"{prefix} || lpad({digits}, greatest({ENTRY_NUMBER_DIGITS}, length({digits})), '0')"


class PostingSql:
    """The posting path's statements for one tenant schema, built once (`posting_sql`)."""

    def __init__(self, schema: str) -> None:
        t = f'"{schema}".'
        self.company_currency = f"SELECT currency_code FROM {t}companies WHERE id = $1"
        columns = (
            "id, company_id, account_code, account_name, account_type, account_subtype,"
            " parent_account_id, is_active, created_at, updated_at, created_by, updated_by,"
            " version"
        )
        self.accounts = f"SELECT {columns} FROM {t}chart_of_accounts WHERE id = ANY($1::uuid[])"
        period_fields = ("id", "fiscal_year_id", "company_id", "period_number", "start_date",
                         "end_date", "status", "updated_at", "updated_by", "version")  # fmt: skip
        period_columns = ", ".join(f"p.{c}" for c in period_fields) + ", y.end_date AS year_end"
        period_on = (
            f"SELECT {{columns}} FROM {t}fiscal_periods p JOIN {t}fiscal_years y"
            " ON y.id = p.fiscal_year_id WHERE p.company_id = $1 AND p.start_date <= {day}"
            " AND p.end_date >= {day} FOR SHARE OF p"
        )
        self.period_on = period_on.format(columns=period_columns, day="$2")
        # What a posting reads, in one round trip: one row per account found (or one without
        # an account), each with the company's currency and the period covering $3 (share-
        # locked; none when $3 is null). No row: no such company.
        prefixed = ", ".join(f"p.{c} AS period_{c}" for c in period_fields)
        prefixed += ", y.end_date AS period_year_end"
        self.posting_reads = (
            f"SELECT c.currency_code, a.*, p.* FROM {t}companies c LEFT JOIN (SELECT {columns}"
            f" FROM {t}chart_of_accounts WHERE id = ANY($2::uuid[])) a ON true"
            f" LEFT JOIN ({period_on.format(columns=prefixed, day='$3')}) p ON true"
            " WHERE c.id = $1"
        )
        # Header and lines in one round trip; the lines' foreign key to the header is checked
        # at the end of the statement, when the header row exists.
        header_values = {name: f"${n}" for n, name in enumerate(HEADER_COLUMNS, 1)}
        names, values = insert_columns(transactions, header_values)
        header = f"header AS (INSERT INTO {t}transactions ({names}) VALUES ({values}) RETURNING id)"
        first_array = len(HEADER_COLUMNS) + 1
        arrays = ", ".join(
            f"${n}::{array_type(journal_lines.c[name])}"
            for n, name in enumerate(LINE_COLUMNS, first_array)
        )
        line_values = {
            "transaction_id": "header.id",
            **{name: header_values[name] for name in LINE_FROM_HEADER},
            **{name: f"l.{name}" for name in LINE_COLUMNS},
        }
        names, values = insert_columns(journal_lines, line_values)
        lines = (
            f"INSERT INTO {t}journal_lines ({names}) SELECT {values}"
            f" FROM header, unnest({arrays}) AS l({', '.join(LINE_COLUMNS)})"
        )
        self.add_entry = f"WITH {header} {lines}"
        # Month rows, then day rows (every posting locks balance rows in this order; the day
        # insert waits for the month CTE through its scalar subquery), in one statement.
        months = (
            f"months AS (INSERT INTO {t}account_balances AS b (account_id, period_month,"
            " company_id, debit_total, credit_total) SELECT a, $2, $3, dr, cr"
            " FROM unnest($1::uuid[], $4::numeric[], $5::numeric[]) AS x(a, dr, cr)"
            " ON CONFLICT (account_id, period_month) DO UPDATE SET"
            " debit_total = b.debit_total + excluded.debit_total,"
            " credit_total = b.credit_total + excluded.credit_total, updated_at = now()"
            " RETURNING 1)"
        )
        days = (
            f"INSERT INTO {t}account_daily_balances AS b (account_id, balance_date, company_id,"
            " debit_total, credit_total) SELECT a, $6, $3, dr, cr"
            " FROM unnest($1::uuid[], $4::numeric[], $5::numeric[]) AS x(a, dr, cr)"
            " WHERE (SELECT count(*) FROM months) > 0"
            " ON CONFLICT (account_id, balance_date) DO UPDATE SET"
            " debit_total = b.debit_total + excluded.debit_total,"
            " credit_total = b.credit_total + excluded.credit_total"
        )
        self.add_to_balances = f"WITH {months} {days}"
        # A posted entry: header, lines and balances in one statement (the balances' parameters
        # follow the entry's).
        self.add_posted = (
            f"WITH {header}, lines AS ({lines} RETURNING 1),"
            f" {shifted(months, ENTRY_PARAMETERS)} {shifted(days, ENTRY_PARAMETERS)}"
        )
        # Draw the year's next number and post the (so far draft) header with it, in one
        # statement: the sequence row is locked from here to the commit. As CTEs (`numbered`
        # returns the number), also sent ahead of the commit's audit row (`numbering_part`).
        self.number_ctes = (
            f"drawn AS (UPDATE {t}entry_number_sequences SET next_value = next_value + 1"
            " WHERE fiscal_year_id = $2 AND company_id = $3 RETURNING next_value - 1 AS n),"
            f" numbered AS (UPDATE {t}transactions t"
            f" SET entry_number = {entry_number_sql('$4', 'drawn.n')},"
            " status = $5, fiscal_year_id = $2, posted_at = $6, posted_by = $7,"
            " updated_at = $8, reversed_by = $9, version = $10"
            " FROM drawn WHERE t.id = $1 RETURNING drawn.n, t.entry_number)"
        )
        self.number_entry = f"WITH {self.number_ctes} SELECT n, entry_number FROM numbered"


_posting_sql = lru_cache(maxsize=SCHEMAS_CACHED)(PostingSql)


def posting_sql(conn: AsyncConnection) -> PostingSql:
    return _posting_sql(tenant_schema(conn))


def entry_args(header: Mapping[str, Any], lines: Sequence[JournalLine]) -> tuple[Any, ...]:
    """`PostingSql.add_entry`'s parameters (`ENTRY_PARAMETERS`): `header` is the entry's
    header row (a value per column)."""
    return (
        *(header[name] for name in HEADER_COLUMNS),
        *([getattr(line, name) for line in lines] for name in LINE_COLUMNS),
    )


def balance_args(entry: JournalEntry) -> tuple[Any, ...]:
    """`PostingSql.add_to_balances`' parameters: the entry's base totals per account, in one
    account order everywhere (concurrent postings never deadlock on balance rows)."""
    totals: dict[uuid.UUID, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in entry.lines:
        totals[line.account_id][0] += line.base_debit
        totals[line.account_id][1] += line.base_credit
    accounts = sorted(totals, key=str)
    return (
        accounts, month_start(entry.transaction_date), entry.company_id,
        [totals[a][0] for a in accounts], [totals[a][1] for a in accounts],
        entry.transaction_date,
    )  # fmt: skip


def numbering_args(entry: JournalEntry) -> tuple[Any, ...]:
    """`PostingSql.number_ctes`' parameters for `entry`."""
    assert entry.numbering_year_end is not None and entry.fiscal_year_id is not None
    return (
        entry.id, entry.fiscal_year_id, entry.company_id,
        entry_number_prefix(entry.numbering_year_end), entry.status.value, entry.posted_at,
        entry.posted_by, entry.updated_at, entry.reversed_by, entry.version,
    )  # fmt: skip
