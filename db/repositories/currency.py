"""Exchange rates, the per-currency balance read model and revaluation records (one unit of
work's connection)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from db.tables.accounting import transactions
from db.tables.currency import (
    account_currency_balances,
    exchange_rates,
    fx_revaluation_lines,
    fx_revaluations,
)
from domain.accounting.currency import Adjustment, ForeignBalance
from domain.accounting.model import JournalEntry

ZERO = Decimal(0)
_CHUNK = 5_000  # rows per statement (8 parameters each: under 65,535)


async def add_currency_balances(conn: AsyncConnection, entry: JournalEntry) -> None:
    """A posted entry's foreign-currency lines into account_currency_balances (same transaction)."""
    await add_currency_balances_many(conn, [entry])


async def add_currency_balances_many(
    conn: AsyncConnection, entries: Sequence[JournalEntry]
) -> None:
    """Posted entries' foreign-currency lines into account_currency_balances (chunked upserts).
    Rows are upserted in (account, currency, day) order, as every posting does: no deadlocks."""
    Key = tuple[uuid.UUID, str, date]
    totals: dict[Key, list[Decimal]] = defaultdict(lambda: [ZERO] * 4)
    company: dict[uuid.UUID, uuid.UUID] = {}
    for entry in entries:
        for line in entry.lines:
            if line.currency_code == entry.currency_code:
                continue
            company[line.account_id] = entry.company_id
            t = totals[(line.account_id, line.currency_code, entry.transaction_date)]
            t[0] += line.debit
            t[1] += line.credit
            t[2] += line.base_debit
            t[3] += line.base_credit
    if not totals:
        return
    keys = sorted(totals, key=lambda k: (str(k[0]), k[1], k[2]))
    rows = [
        {
            "account_id": account_id,
            "currency_code": currency,
            "balance_date": day,
            "company_id": company[account_id],
            "debit_total": totals[(account_id, currency, day)][0],
            "credit_total": totals[(account_id, currency, day)][1],
            "base_debit_total": totals[(account_id, currency, day)][2],
            "base_credit_total": totals[(account_id, currency, day)][3],
        }
        for account_id, currency, day in keys
    ]
    table = account_currency_balances
    for first in range(0, len(rows), _CHUNK):  # stay under the bind-parameter limit
        statement = pg_insert(table).values(rows[first : first + _CHUNK])
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=["account_id", "currency_code", "balance_date"],
                set_={
                    name: table.c[name] + statement.excluded[name]
                    for name in (
                        "debit_total",
                        "credit_total",
                        "base_debit_total",
                        "base_credit_total",
                    )
                },
            )
        )


class SqlRateRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def set_rate(
        self,
        company_id: uuid.UUID,
        currency: str,
        base_currency: str,
        day: date,
        rate: Decimal,
        actor: uuid.UUID,
    ) -> None:
        statement = pg_insert(exchange_rates).values(
            company_id=company_id,
            from_currency=currency,
            to_currency=base_currency,
            effective_date=day,
            rate=rate,
            updated_by=actor,
        )
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=["company_id", "from_currency", "effective_date"],
                set_={
                    "rate": statement.excluded.rate,
                    "to_currency": statement.excluded.to_currency,
                    "updated_by": statement.excluded.updated_by,
                    "updated_at": func.now(),
                },
            )
        )

    async def rates_on(
        self, company_id: uuid.UUID, currencies: Collection[str], day: date
    ) -> dict[str, Decimal]:
        """Per currency, the rate in force on `day` (the latest on or before it)."""
        if not currencies:
            return {}
        rows = await self._conn.execute(
            select(exchange_rates.c.from_currency, exchange_rates.c.rate)
            .where(
                exchange_rates.c.company_id == company_id,
                exchange_rates.c.from_currency.in_(sorted(currencies)),
                exchange_rates.c.effective_date <= day,
            )
            .ext(distinct_on(exchange_rates.c.from_currency))
            .order_by(exchange_rates.c.from_currency, exchange_rates.c.effective_date.desc())
        )
        return {r.from_currency: r.rate for r in rows}

    async def foreign_balances(self, company_id: uuid.UUID, as_of: date) -> list[ForeignBalance]:
        b = account_currency_balances
        rows = await self._conn.execute(
            select(
                b.c.account_id,
                b.c.currency_code,
                func.sum(b.c.debit_total - b.c.credit_total).label("amount"),
                func.sum(b.c.base_debit_total - b.c.base_credit_total).label("base"),
            )
            .where(b.c.company_id == company_id, b.c.balance_date <= as_of)
            .group_by(b.c.account_id, b.c.currency_code)
        )
        booked = {(r.account_id, r.currency_code): (r.amount, r.base) for r in rows}
        # Revaluations in force on as_of: posted on or before it and not reversed by then.
        reval = aliased(transactions)
        reversal = aliased(transactions)
        l = fx_revaluation_lines  # noqa: E741
        adjustments = await self._conn.execute(
            select(
                l.c.account_id,
                l.c.currency_code,
                func.sum(l.c.base_adjustment).label("adjustment"),
            )
            .join(reval, reval.c.id == l.c.transaction_id)
            .outerjoin(reversal, reversal.c.id == reval.c.reversed_by)
            .where(
                reval.c.company_id == company_id,
                reval.c.transaction_date <= as_of,
                or_(
                    reval.c.status == "posted",
                    and_(reval.c.status == "reversed", reversal.c.transaction_date > as_of),
                ),
            )
            .group_by(l.c.account_id, l.c.currency_code)
        )
        adjusted: dict[tuple[uuid.UUID, str], Decimal] = {
            (r.account_id, r.currency_code): r.adjustment for r in adjustments
        }
        out = []
        for key in booked.keys() | adjusted.keys():
            amount, base = booked.get(key, (ZERO, ZERO))
            base = base + adjusted.get(key, ZERO)
            if amount != 0 or base != 0:
                out.append(ForeignBalance(key[0], key[1], amount, base))
        return out

    async def record_revaluation(
        self,
        entry: JournalEntry,
        *,
        as_of: date,
        auto_reverse: bool,
        adjustments: Sequence[Adjustment],
    ) -> None:
        await self._conn.execute(
            pg_insert(fx_revaluations).values(
                transaction_id=entry.id,
                company_id=entry.company_id,
                as_of=as_of,
                auto_reverse=auto_reverse,
            )
        )
        await self._conn.execute(
            pg_insert(fx_revaluation_lines),
            [
                {
                    "transaction_id": entry.id,
                    "account_id": a.account_id,
                    "currency_code": a.currency_code,
                    "foreign_balance": a.foreign_balance,
                    "rate": a.rate,
                    "base_adjustment": a.base_adjustment,
                }
                for a in adjustments
            ],
        )


async def list_rates(
    conn: AsyncConnection,
    company_id: uuid.UUID,
    currency: str | None,
    date_from: date | None,
    date_to: date | None,
) -> list[Any]:
    query = select(exchange_rates).where(exchange_rates.c.company_id == company_id)
    if currency:
        query = query.where(exchange_rates.c.from_currency == currency)
    if date_from:
        query = query.where(exchange_rates.c.effective_date >= date_from)
    if date_to:
        query = query.where(exchange_rates.c.effective_date <= date_to)
    query = query.order_by(exchange_rates.c.from_currency, exchange_rates.c.effective_date)
    return list((await conn.execute(query)).all())


async def is_revaluation(conn: AsyncConnection, entry_id: uuid.UUID) -> bool:
    query = select(fx_revaluations.c.transaction_id).where(
        fx_revaluations.c.transaction_id == entry_id
    )
    return (await conn.execute(query)).first() is not None
