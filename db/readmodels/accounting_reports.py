"""Reads for the financial reports (balance sheet, income statement, general ledger).

Balances come from the read models only (`account_balances` per month, `account_daily_balances`
per day): the net of an account up to a date is its months before that date's month plus at
most one month of days. Several cut-off dates are answered by ONE statement, so a report's
statement count depends on neither the number of journal lines nor the number of columns.
Journal lines are read only for the general ledger's page (and its page start's day) and for
year-end closing entries (one entry per closed year).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.repositories.accounting import ACCOUNT_COLUMNS, account_from_row
from db.tables.accounting import (
    account_balances,
    account_daily_balances,
    chart_of_accounts,
    fiscal_periods,
    fiscal_years,
    journal_lines,
    transactions,
)
from db.tables.tenant import companies
from domain.accounting.model import Account, EntryKind, month_start
from domain.accounting.year_end import YearFacts

ZERO = Decimal(0)


def _nets_statement(company_id: uuid.UUID, cutoffs: Sequence[date], accounts: Any = None) -> Any:
    """(column, account_id, debit, credit): totals up to and including each cut-off date."""
    parts = []
    for index, cutoff in enumerate(cutoffs):
        first = month_start(cutoff)
        months = select(
            literal(index).label("col"),
            account_balances.c.account_id,
            account_balances.c.debit_total,
            account_balances.c.credit_total,
        ).where(
            account_balances.c.company_id == company_id, account_balances.c.period_month < first
        )
        days = select(
            literal(index).label("col"),
            account_daily_balances.c.account_id,
            account_daily_balances.c.debit_total,
            account_daily_balances.c.credit_total,
        ).where(
            account_daily_balances.c.company_id == company_id,
            account_daily_balances.c.balance_date >= first,
            account_daily_balances.c.balance_date <= cutoff,
        )
        if accounts is not None:
            months = months.where(account_balances.c.account_id.in_(accounts))
            days = days.where(account_daily_balances.c.account_id.in_(accounts))
        parts += [months, days]
    moves = union_all(*parts).subquery()
    return select(
        moves.c.col,
        moves.c.account_id,
        func.sum(moves.c.debit_total).label("debit"),
        func.sum(moves.c.credit_total).label("credit"),
    ).group_by(moves.c.col, moves.c.account_id)


async def _nets(
    conn: AsyncConnection, company_id: uuid.UUID, cutoffs: Sequence[date], accounts: Any = None
) -> list[dict[uuid.UUID, Decimal]]:
    """Per cut-off date: account id -> debit - credit up to and including that date."""
    out: list[dict[uuid.UUID, Decimal]] = [{} for _ in cutoffs]
    if not cutoffs:
        return out
    for r in await conn.execute(_nets_statement(company_id, cutoffs, accounts)):
        out[r.col][r.account_id] = (r.debit or ZERO) - (r.credit or ZERO)
    return out


@dataclass(frozen=True)
class Books:
    currency: str
    accounts: list[Account]
    years: list[tuple[uuid.UUID, date, date]]  # (id, start, end) in date order
    nets: list[dict[uuid.UUID, Decimal]]  # one per requested cut-off date
    closing: list[dict[uuid.UUID, Decimal]]  # per requested range: closing entries' nets


async def books(
    engine: AsyncEngine,
    company_id: uuid.UUID,
    cutoffs: Callable[[list[tuple[uuid.UUID, date, date]]], list[date]],
    closing_ranges: Sequence[tuple[date, date]] = (),
) -> Books | None:
    """Everything a balance sheet / income statement needs, in four statements whatever the
    size of the books. None: no such company."""
    async with engine.connect() as conn:
        currency = (
            await conn.execute(
                select(companies.c.currency_code).where(companies.c.id == company_id)
            )
        ).scalar_one_or_none()
        if currency is None:
            return None
        chart = [
            account_from_row(r._mapping)
            for r in await conn.execute(
                select(*ACCOUNT_COLUMNS)
                .where(chart_of_accounts.c.company_id == company_id)
                .order_by(chart_of_accounts.c.account_code)
            )
        ]
        years = [
            (r.id, r.start_date, r.end_date)
            for r in await conn.execute(
                select(fiscal_years.c.id, fiscal_years.c.start_date, fiscal_years.c.end_date)
                .where(fiscal_years.c.company_id == company_id)
                .order_by(fiscal_years.c.start_date)
            )
        ]
        nets = await _nets(conn, company_id, cutoffs(years))
        closing = await _closing_nets(conn, company_id, closing_ranges)
    return Books(currency, chart, years, nets, closing)


async def _closing_nets(
    conn: AsyncConnection, company_id: uuid.UUID, ranges: Sequence[tuple[date, date]]
) -> list[dict[uuid.UUID, Decimal]]:
    """Per range: account id -> net of the year-end closing entries dated in it (one per year,
    so this reads a handful of lines however large the books). A closing entry is known by its
    kind, never by its reference: any user may type "YEAR-END:" into a reference."""
    out: list[dict[uuid.UUID, Decimal]] = [{} for _ in ranges]
    if not ranges:
        return out
    t, jl = transactions.c, journal_lines.c
    low, high = min(r[0] for r in ranges), max(r[1] for r in ranges)
    query = (
        select(jl.transaction_date, jl.account_id, jl.base_debit, jl.base_credit)
        .select_from(
            transactions.join(
                journal_lines,
                and_(jl.transaction_id == t.id, jl.transaction_date == t.transaction_date),
            )
        )
        .where(
            t.company_id == company_id,
            t.transaction_date >= low,
            t.transaction_date <= high,
            t.status != "draft",
            t.kind == EntryKind.YEAR_END_CLOSING.value,  # set by closeFiscalYear only
        )
    )
    for r in await conn.execute(query):
        for index, (start, end) in enumerate(ranges):
            if start <= r.transaction_date <= end:
                bucket = out[index]
                bucket[r.account_id] = bucket.get(r.account_id, ZERO) + r.base_debit - r.base_credit
    return out


# -- general ledger ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerLine:
    transaction_id: uuid.UUID
    line_number: int
    transaction_date: date
    entry_number: str | None
    description: str | None
    debit: Decimal
    credit: Decimal


LedgerKey = tuple[date, uuid.UUID, int]  # (date, entry id, line number): the page order


def _ledger_lines(account_id: uuid.UUID) -> Any:
    t, jl = transactions.c, journal_lines.c
    return (
        select(
            jl.transaction_id,
            jl.line_number,
            jl.transaction_date,
            t.entry_number,
            func.coalesce(jl.description, t.description).label("description"),
            jl.base_debit,
            jl.base_credit,
        )
        .select_from(
            journal_lines.join(
                transactions,
                and_(t.id == jl.transaction_id, t.transaction_date == jl.transaction_date),
            )
        )
        .where(jl.account_id == account_id, t.status != "draft")
    )


async def general_ledger(
    engine: AsyncEngine,
    account: Account,
    date_from: date,
    date_to: date,
    *,
    first: int,
    after: LedgerKey | None,
) -> tuple[str, Decimal, Decimal, Decimal, list[LedgerLine]]:
    """(opening net before `date_from`, closing net at `date_to`, net just before the page's
    first line, the page plus one extra line). Nets are debit - credit, from the read models;
    the page start's net adds only the lines of the cursor's own day."""
    jl = journal_lines.c
    start_day = after[0] if after else date_from
    cutoffs = [date_from - timedelta(days=1), date_to, start_day - timedelta(days=1)]
    page_query = (
        _ledger_lines(account.id)
        .where(jl.transaction_date >= date_from, jl.transaction_date <= date_to)
        .order_by(jl.transaction_date, jl.transaction_id, jl.line_number)
        .limit(first + 1)
    )
    if after is not None:
        page_query = page_query.where(
            tuple_(jl.transaction_date, jl.transaction_id, jl.line_number) > tuple_(*after)
        )
    async with engine.connect() as conn:
        currency = (
            await conn.execute(
                select(companies.c.currency_code).where(companies.c.id == account.company_id)
            )
        ).scalar_one()
        nets = await _nets(conn, account.company_id, cutoffs, [account.id])
        page = [
            LedgerLine(
                r.transaction_id,
                r.line_number,
                r.transaction_date,
                r.entry_number,
                r.description,
                r.base_debit,
                r.base_credit,
            )
            for r in await conn.execute(page_query)
        ]
        page_start = nets[2].get(account.id, ZERO)
        if after is not None:  # the cursor's day, up to and including the cursor's line
            sub = (
                _ledger_lines(account.id)
                .where(
                    jl.transaction_date == after[0],
                    or_(
                        jl.transaction_id < after[1],
                        and_(jl.transaction_id == after[1], jl.line_number <= after[2]),
                    ),
                )
                .subquery()
            )
            same_day = select(func.coalesce(func.sum(sub.c.base_debit - sub.c.base_credit), 0))
            page_start += (await conn.execute(same_day)).scalar_one()
    return (
        currency,
        nets[0].get(account.id, ZERO),
        nets[1].get(account.id, ZERO),
        page_start,
        page,
    )


# -- year-end close ------------------------------------------------------------------------------


class YearEndSqlReader:
    """`domain.accounting.year_end.YearEndReader` on a unit of work's connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def year(self, fiscal_year_id: uuid.UUID) -> YearFacts | None:
        row = (
            await self._conn.execute(
                select(fiscal_years).where(fiscal_years.c.id == fiscal_year_id)
            )
        ).first()
        if row is None:
            return None
        periods = await self._conn.execute(
            select(fiscal_periods.c.id)
            .where(fiscal_periods.c.fiscal_year_id == fiscal_year_id)
            .order_by(fiscal_periods.c.start_date)
        )
        return YearFacts(
            id=row.id,
            company_id=row.company_id,
            name=row.name,
            start_date=row.start_date,
            end_date=row.end_date,
            period_ids=tuple(p.id for p in periods),
        )

    async def profit_and_loss(
        self, company_id: uuid.UUID, start: date, end: date
    ) -> dict[uuid.UUID, Decimal]:
        pl = select(chart_of_accounts.c.id).where(
            chart_of_accounts.c.company_id == company_id,
            chart_of_accounts.c.account_type.in_(["revenue", "expense"]),
        )
        at_end, before = await _nets(
            self._conn, company_id, [end, start - timedelta(days=1)], pl.scalar_subquery()
        )
        return {a: net - before.get(a, ZERO) for a, net in at_end.items()}
