"""Accounting reads: accounts, entries and their lines, fiscal years, balances.

Each function is one SQL statement (or two for years with their periods), whatever the number
of rows, so a query's statement count does not grow with list sizes. Balances come from the
read models the posting transaction maintains (`account_balances` per month and
`account_daily_balances` per day) and never from journal lines: a trial balance as of a date
reads the months before that date's month, and at most one month of days.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

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
from domain.accounting.model import Account, month_start

Row = dict[str, Any]
ZERO = Decimal(0)


async def accounts_by_id(engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Account]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(*ACCOUNT_COLUMNS).where(chart_of_accounts.c.id.in_(list(ids)))
        )
        return {r.id: account_from_row(r._mapping) for r in rows}


async def accounts_page(
    engine: AsyncEngine,
    *,
    company_id: uuid.UUID,
    first: int,
    after: tuple[str, uuid.UUID] | None,
    include_inactive: bool = True,
) -> list[Account]:
    """Keyset page in code order; one extra row tells whether there is a next page."""
    c = chart_of_accounts.c
    query = (
        select(*ACCOUNT_COLUMNS)
        .where(c.company_id == company_id)
        .order_by(c.account_code, c.id)
        .limit(first + 1)
    )
    if not include_inactive:
        query = query.where(c.is_active.is_(True))
    if after is not None:
        query = query.where(tuple_(c.account_code, c.id) > tuple_(*after))
    async with engine.connect() as conn:
        return [account_from_row(r._mapping) for r in await conn.execute(query)]


@dataclass(frozen=True)
class AccountTotals:
    account: Account
    debit: Decimal
    credit: Decimal


async def chart_with_totals(engine: AsyncEngine, company_id: uuid.UUID) -> list[AccountTotals]:
    """Every account of the company with its own posted totals to date (from the months)."""
    totals = (
        select(
            account_balances.c.account_id,
            func.sum(account_balances.c.debit_total).label("debit"),
            func.sum(account_balances.c.credit_total).label("credit"),
        )
        .where(account_balances.c.company_id == company_id)
        .group_by(account_balances.c.account_id)
        .subquery()
    )
    query = (
        select(*ACCOUNT_COLUMNS, totals.c.debit, totals.c.credit)
        .select_from(
            chart_of_accounts.outerjoin(totals, totals.c.account_id == chart_of_accounts.c.id)
        )
        .where(chart_of_accounts.c.company_id == company_id)
        .order_by(chart_of_accounts.c.account_code)
    )
    async with engine.connect() as conn:
        return [
            AccountTotals(account_from_row(r._mapping), r.debit or ZERO, r.credit or ZERO)
            for r in await conn.execute(query)
        ]


async def trial_balance(
    engine: AsyncEngine, company_id: uuid.UUID, as_of: date
) -> tuple[str | None, list[AccountTotals]]:
    """(The company's base currency, per-account posted totals up to and including `as_of`).
    None as the currency: no such company. Accounts without postings are left out."""
    first_of_month = month_start(as_of)
    months = select(
        account_balances.c.account_id,
        account_balances.c.debit_total,
        account_balances.c.credit_total,
    ).where(
        account_balances.c.company_id == company_id,
        account_balances.c.period_month < first_of_month,
    )
    days = select(
        account_daily_balances.c.account_id,
        account_daily_balances.c.debit_total,
        account_daily_balances.c.credit_total,
    ).where(
        account_daily_balances.c.company_id == company_id,
        account_daily_balances.c.balance_date >= first_of_month,
        account_daily_balances.c.balance_date <= as_of,
    )
    moves = union_all(months, days).subquery()
    totals = (
        select(
            moves.c.account_id,
            func.sum(moves.c.debit_total).label("debit"),
            func.sum(moves.c.credit_total).label("credit"),
        )
        .group_by(moves.c.account_id)
        .subquery()
    )
    currency = (
        select(companies.c.currency_code).where(companies.c.id == company_id).scalar_subquery()
    )
    query = (
        select(currency.label("currency"), *ACCOUNT_COLUMNS, totals.c.debit, totals.c.credit)
        .select_from(totals.join(chart_of_accounts, chart_of_accounts.c.id == totals.c.account_id))
        .order_by(chart_of_accounts.c.account_code)
    )  # fmt: skip
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
        if rows:
            base: str | None = rows[0].currency
        else:  # nothing posted yet: still tell an existing company from a missing one
            base = (
                await conn.execute(
                    select(companies.c.currency_code).where(companies.c.id == company_id)
                )
            ).scalar_one_or_none()
    return base, [AccountTotals(account_from_row(r._mapping), r.debit, r.credit) for r in rows]


# -- journal entries -----------------------------------------------------------------------------


async def entries_by_id(engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Row]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(transactions).where(transactions.c.id.in_(list(ids))))
        return {r.id: dict(r._mapping) for r in rows}


async def lines_by_entry(
    engine: AsyncEngine, keys: Sequence[tuple[uuid.UUID, date]]
) -> dict[tuple[uuid.UUID, date], list[Row]]:
    """Lines of entries, by (entry id, entry date): the dates confine it to their partitions."""
    query = (
        select(journal_lines)
        .where(
            journal_lines.c.transaction_id.in_([k[0] for k in keys]),
            journal_lines.c.transaction_date.in_(sorted({k[1] for k in keys})),
        )
        .order_by(journal_lines.c.transaction_id, journal_lines.c.line_number)
    )
    out: dict[tuple[uuid.UUID, date], list[Row]] = defaultdict(list)
    async with engine.connect() as conn:
        for r in await conn.execute(query):
            out[(r.transaction_id, r.transaction_date)].append(dict(r._mapping))
    return out


async def entries_page(
    engine: AsyncEngine,
    *,
    company_id: uuid.UUID,
    first: int,
    after: tuple[datetime, uuid.UUID] | None,
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[Row]:
    """Keyset page in creation order (oldest first), one extra row for `hasNextPage`."""
    t = transactions.c
    query = (
        select(transactions)
        .where(t.company_id == company_id)
        .order_by(t.created_at, t.id)
        .limit(first + 1)
    )
    if status is not None:
        query = query.where(t.status == status)
    if date_from is not None:
        query = query.where(t.transaction_date >= date_from)
    if date_to is not None:
        query = query.where(t.transaction_date <= date_to)
    if after is not None:
        query = query.where(tuple_(t.created_at, t.id) > tuple_(*after))
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(query)]


# -- fiscal years --------------------------------------------------------------------------------


async def years_with_periods(
    engine: AsyncEngine, company_id: uuid.UUID, years: Collection[uuid.UUID] | None = None
) -> list[tuple[Row, list[Row]]]:
    year_query = (
        select(fiscal_years)
        .where(fiscal_years.c.company_id == company_id)
        .order_by(fiscal_years.c.start_date)
    )
    period_query = (
        select(fiscal_periods)
        .where(fiscal_periods.c.company_id == company_id)
        .order_by(fiscal_periods.c.start_date)
    )
    if years is not None:
        year_query = year_query.where(fiscal_years.c.id.in_(list(years)))
        period_query = period_query.where(fiscal_periods.c.fiscal_year_id.in_(list(years)))
    async with engine.connect() as conn:
        year_rows = [dict(r._mapping) for r in await conn.execute(year_query)]
        periods: dict[uuid.UUID, list[Row]] = defaultdict(list)
        for r in await conn.execute(period_query):
            periods[r.fiscal_year_id].append(dict(r._mapping))
    return [(y, periods[y["id"]]) for y in year_rows]
