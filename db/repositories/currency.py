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

from db.tables.accounting import chart_of_accounts, transactions
from db.tables.currency import (
    account_currency_balances,
    exchange_rates,
    fx_revaluation_items,
    fx_revaluation_lines,
    fx_revaluations,
)
from db.tables.purchasing import (
    bills,
    purchasing_settings,
    supplier_balances,
    supplier_credits,
    supplier_payment_allocations,
    supplier_payments,
)
from db.tables.sales import payment_allocations, sales_account_settings, sales_documents
from domain.accounting.carrying import PAYABLE, RECEIVABLE, ItemShare, OpenItem
from domain.accounting.currency import Adjustment, ForeignBalance
from domain.accounting.model import JournalEntry
from domain.shared.errors import DomainError, ErrorCode

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

    def _shares_in_force(self, day: date) -> Any:
        """Each document's revaluation shares in force on `day`: posted on or before it and not
        reversed by then (as `foreign_balances` counts the account-level adjustments)."""
        reval = aliased(transactions)
        reversal = aliased(transactions)
        i = fx_revaluation_items.c
        return (
            select(i.document_id, func.sum(i.base_change).label("revalued"))
            .join(reval, reval.c.id == i.transaction_id)
            .outerjoin(reversal, reversal.c.id == reval.c.reversed_by)
            .where(
                reval.c.transaction_date <= day,
                or_(
                    reval.c.status == "posted",
                    and_(reval.c.status == "reversed", reversal.c.transaction_date > day),
                ),
            )
            .group_by(i.document_id)
        )

    async def revalued_on(
        self, document_ids: Collection[uuid.UUID], day: date
    ) -> dict[uuid.UUID, Decimal]:
        """Per document, the sum of its revaluation shares in force on `day` (absent: none)."""
        if not document_ids:
            return {}
        shares = self._shares_in_force(day).where(
            fx_revaluation_items.c.document_id.in_(sorted(document_ids, key=str))
        )
        return {r.document_id: r.revalued for r in await self._conn.execute(shares)}

    async def revalued_after(
        self, document_ids: Collection[uuid.UUID], day: date
    ) -> dict[uuid.UUID, date]:
        """Documents with a share of a revaluation dated after `day` that stays (posted, not
        reversed): the latest such date. A settlement dated `day` would leave it wrong."""
        if not document_ids:
            return {}
        i = fx_revaluation_items.c
        rows = await self._conn.execute(
            select(i.document_id, func.max(transactions.c.transaction_date).label("as_of"))
            .join(transactions, transactions.c.id == i.transaction_id)
            .where(
                i.document_id.in_(sorted(document_ids, key=str)),
                transactions.c.transaction_date > day,
                transactions.c.status == "posted",
            )
            .group_by(i.document_id)
        )
        return {r.document_id: r.as_of for r in rows}

    async def _control_accounts(self, company_id: uuid.UUID) -> dict[str, uuid.UUID]:
        """The receivable and payable control accounts sales and purchasing book to."""
        coa = chart_of_accounts.c
        by_code = {
            r.account_code: r.id
            for r in await self._conn.execute(
                select(coa.account_code, coa.id).where(
                    coa.company_id == company_id, coa.account_code.in_(["1200", "2100"])
                )
            )
        }
        sales_choice = (
            await self._conn.execute(
                select(sales_account_settings.c.account_id).where(
                    sales_account_settings.c.company_id == company_id,
                    sales_account_settings.c.role == "receivable",
                )
            )
        ).scalar()
        purchasing_choice = (
            await self._conn.execute(
                select(purchasing_settings.c.payable_account_id).where(
                    purchasing_settings.c.company_id == company_id
                )
            )
        ).scalar()
        out = {}
        if account := sales_choice or by_code.get("1200"):
            out[RECEIVABLE] = account
        if account := purchasing_choice or by_code.get("2100"):
            out[PAYABLE] = account
        return out

    async def open_items(
        self, company_id: uuid.UUID, as_of: date, base_currency: str
    ) -> list[OpenItem]:
        """Invoices, debit notes and bills in a foreign currency, dated on or before `as_of`
        and open now, at their carrying amounts on `as_of`."""
        accounts = await self._control_accounts(company_id)
        shares = self._shares_in_force(as_of).subquery()
        d, b = sales_documents.c, bills.c
        found: list[tuple[str, Any]] = []
        if RECEIVABLE in accounts:
            sales = await self._conn.execute(
                select(
                    d.id,
                    d.customer_id.label("party_id"),
                    d.currency_code,
                    (d.total - d.amount_paid - d.amount_credited).label("due"),
                    (d.base_total - d.base_settled).label("base_due"),
                    shares.c.revalued,
                )
                .outerjoin(shares, shares.c.document_id == d.id)
                .where(
                    d.company_id == company_id,
                    d.kind.in_(["invoice", "debit_note"]),
                    d.status.in_(["posted", "partially_paid"]),
                    d.issue_date <= as_of,
                    d.currency_code != base_currency,
                )
                .order_by(d.id)
            )
            found += [(RECEIVABLE, r) for r in sales]
        if PAYABLE in accounts:
            purchases = await self._conn.execute(
                select(
                    b.id,
                    b.supplier_id.label("party_id"),
                    b.currency_code,
                    (b.total - b.amount_paid - b.amount_credited).label("due"),
                    (b.base_total - b.base_settled).label("base_due"),
                    shares.c.revalued,
                )
                .outerjoin(shares, shares.c.document_id == b.id)
                .where(
                    b.company_id == company_id,
                    b.status.in_(["posted", "partially_paid"]),
                    b.bill_date <= as_of,
                    b.currency_code != base_currency,
                )
                .order_by(b.id)
            )
            found += [(PAYABLE, r) for r in purchases]
        return [
            OpenItem(
                document_id=r.id,
                ledger=ledger,
                party_id=r.party_id,
                account_id=accounts[ledger],
                currency_code=r.currency_code,
                amount_due=r.due,
                carrying=r.base_due + (r.revalued or ZERO),
            )
            for ledger, r in found
            if r.due > 0
        ]

    async def settled_after(
        self, company_id: uuid.UUID, as_of: date, base_currency: str
    ) -> list[tuple[str, date]]:
        """Foreign invoices and bills dated on or before `as_of` that a payment or credit dated
        after it has settled already: (document number, first such date)."""
        d, b = sales_documents.c, bills.c
        notes = sales_documents.alias("notes")
        a, pa, p = payment_allocations.c, supplier_payment_allocations.c, supplier_payments.c
        c = supplier_credits.c
        queries = [
            select(d.number, func.min(a.allocation_date))
            .join(payment_allocations, a.invoice_id == d.id)
            .where(a.allocation_date > as_of)
            .group_by(d.number),
            select(d.number, func.min(notes.c.issue_date))
            .join(notes, and_(notes.c.source_id == d.id, notes.c.kind == "credit_note"))
            .where(notes.c.issue_date > as_of, notes.c.status != "void")
            .group_by(d.number),
        ]
        sales_filter = and_(
            d.company_id == company_id,
            d.issue_date <= as_of,
            d.currency_code != base_currency,
            d.kind.in_(["invoice", "debit_note"]),
        )
        queries = [q.where(sales_filter) for q in queries]
        bill_filter = and_(
            b.company_id == company_id, b.bill_date <= as_of, b.currency_code != base_currency
        )
        queries += [
            select(b.number, func.min(p.payment_date))
            .join(supplier_payment_allocations, pa.bill_id == b.id)
            .join(supplier_payments, p.id == pa.payment_id)
            .where(bill_filter, p.payment_date > as_of)
            .group_by(b.number),
            select(b.number, func.min(c.credit_date))
            .join(supplier_credits, c.bill_id == b.id)
            .where(bill_filter, c.credit_date > as_of)
            .group_by(b.number),
        ]
        out: dict[str, date] = {}
        for query in queries:
            for number, day in await self._conn.execute(query):
                out[number] = min(day, out.get(number, day))
        return sorted(out.items(), key=lambda kv: (kv[1], kv[0]))

    async def record_item_shares(
        self, entry: JournalEntry, shares: Sequence[ItemShare]
    ) -> dict[uuid.UUID, Decimal]:
        """Keep each document's share of the revaluation `entry`; supplier balances take their
        bills' shares now (same transaction). Returns per customer the receivable change (the
        caller records it as an event for the customer balance read model)."""
        if not shares:
            return {}
        await self._conn.execute(
            pg_insert(fx_revaluation_items),
            [
                {
                    "transaction_id": entry.id,
                    "document_id": s.item.document_id,
                    "ledger": s.item.ledger,
                    "party_id": s.item.party_id,
                    "company_id": entry.company_id,
                    "account_id": s.item.account_id,
                    "currency_code": s.item.currency_code,
                    "amount_due": s.item.amount_due,
                    "rate": s.rate,
                    "base_change": s.base_change,
                }
                for s in shares
            ],
        )
        return await self._apply_to_parties(
            [(s.item.ledger, s.item.party_id, s.base_change) for s in shares]
        )

    async def _apply_to_parties(
        self, changes: Sequence[tuple[str, uuid.UUID, Decimal]]
    ) -> dict[uuid.UUID, Decimal]:
        suppliers: dict[uuid.UUID, Decimal] = defaultdict(lambda: ZERO)
        customers: dict[uuid.UUID, Decimal] = defaultdict(lambda: ZERO)
        for ledger, party, change in changes:
            (customers if ledger == RECEIVABLE else suppliers)[party] += change
        for supplier_id in sorted(suppliers, key=str):  # one order: no deadlocks
            await self._conn.execute(
                supplier_balances.update()
                .where(supplier_balances.c.supplier_id == supplier_id)
                .values(
                    base_payable=supplier_balances.c.base_payable + suppliers[supplier_id],
                    updated_at=func.now(),
                )
            )
        return {k: v for k, v in customers.items() if v}

    async def cancel_item_shares(self, entry_id: uuid.UUID) -> dict[uuid.UUID, Decimal]:
        """The revaluation `entry_id` is being reversed: its documents' shares stop counting
        (the reversal's date ends them, as `revalued_on` reads). Refused (INVALID_STATE) when a
        document it restated has been settled in full since: its share went out with the
        settlement, and reversing it would leave that amount in AR/AP. Returns per customer
        the receivable change, as `record_item_shares`."""
        i = fx_revaluation_items.c
        rows = list(
            await self._conn.execute(
                select(i.ledger, i.party_id, i.document_id, i.base_change).where(
                    i.transaction_id == entry_id
                )
            )
        )
        if not rows:
            return {}
        ids = [r.document_id for r in rows]
        d, b = sales_documents.c, bills.c
        closed = [
            number
            for (number,) in await self._conn.execute(
                select(d.number).where(d.id.in_(ids), d.status == "paid").union_all(
                    select(b.number).where(b.id.in_(ids), b.status == "paid")
                )
            )
        ]
        if closed:
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                f"This revaluation restated {', '.join(sorted(closed))}, settled in full since at "
                "the revalued amount: reversing it would leave that amount in receivables or "
                "payables. Revalue again instead.",
                "id",
            )
        return await self._apply_to_parties([(r.ledger, r.party_id, -r.base_change) for r in rows])

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
