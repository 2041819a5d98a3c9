"""Purchasing reads: suppliers with their balances, orders, receipts, bills, payments made, AP
aging and supplier statements.

Each function is one SQL statement whatever the number of rows, so a query's statement count
does not grow with page sizes: lists are keyset pages (one extra row tells `hasNextPage`), and
nested relations are read per batch of parents by the dataloaders.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from db.crypto import SUPPLIER_TAX_ID, FieldCipher, normalise, tenant_schema
from db.readmodels.carrying import revalued_on
from db.tables.accounting import chart_of_accounts, journal_lines
from db.tables.purchasing import (
    bill_lines,
    bills,
    goods_receipt_lines,
    goods_receipts,
    purchase_order_lines,
    purchase_orders,
    purchasing_settings,
    supplier_balances,
    supplier_credits,
    supplier_payment_allocations,
    supplier_payments,
    suppliers,
)

Row = dict[str, Any]
ZERO = Decimal(0)
Cursor = tuple[datetime, uuid.UUID]

_SUPPLIER = select(
    *(c for c in suppliers.c if c.name != SUPPLIER_TAX_ID.index_column),
    supplier_balances.c.payable,
    supplier_balances.c.base_payable,
    supplier_balances.c.advance,
    supplier_balances.c.base_advance,
).join(supplier_balances, supplier_balances.c.supplier_id == suppliers.c.id)


async def _all(engine: AsyncEngine, query: Any) -> list[Row]:
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(query)]


async def _by(engine: AsyncEngine, query: Any, key: str) -> dict[Any, list[Row]]:
    out: dict[Any, list[Row]] = defaultdict(list)
    for row in await _all(engine, query):
        out[row[key]].append(row)
    return out


def _page(query: Select[Any], table: Any, first: int, after: Cursor | None) -> Select[Any]:
    query = query.order_by(table.c.created_at, table.c.id).limit(first + 1)
    if after is not None:
        query = query.where(tuple_(table.c.created_at, table.c.id) > tuple_(*after))
    return query


# -- suppliers -----------------------------------------------------------------------------------


async def _suppliers(engine: AsyncEngine, query: Any, cipher: FieldCipher) -> list[Row]:
    """Supplier rows with the tax id (encrypted at rest, db/crypto.py) opened."""
    tenant = tenant_schema(engine)
    return [
        SUPPLIER_TAX_ID.open_row(cipher, row, tenant=tenant) for row in await _all(engine, query)
    ]


async def suppliers_by_id(
    engine: AsyncEngine, ids: Sequence[uuid.UUID], cipher: FieldCipher
) -> dict[uuid.UUID, Row]:
    rows = await _suppliers(engine, _SUPPLIER.where(suppliers.c.id.in_(list(ids))), cipher)
    return {r["id"]: r for r in rows}


async def suppliers_page(
    engine: AsyncEngine,
    *,
    company_id: uuid.UUID,
    first: int,
    after: tuple[str, uuid.UUID] | None,
    cipher: FieldCipher,
    search: str | None = None,
    include_inactive: bool = True,
) -> list[Row]:
    """In name order; `search` matches the start of any word of the name or the start of the
    code (case-insensitive), or the whole tax id (any case: the tax id is encrypted, so it is
    found through its blind index and never by part)."""
    s = suppliers.c
    query = (
        _SUPPLIER.where(s.company_id == company_id)
        .order_by(func.lower(s.name), s.id)
        .limit(first + 1)
    )
    if search:
        term = search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matches: list[ColumnElement[bool]] = [
            func.lower(s.name).like(f"{term}%"),
            func.lower(s.name).like(f"% {term}%"),
            func.lower(s.code).like(f"{term}%"),
        ]
        if normalise(search):
            digest = SUPPLIER_TAX_ID.digest(cipher, search, tenant_schema(engine))
            matches.append(s.tax_id_index == digest)
        query = query.where(or_(*matches))
    if not include_inactive:
        query = query.where(s.is_active.is_(True))
    if after is not None:
        query = query.where(tuple_(func.lower(s.name), s.id) > tuple_(*after))
    return await _suppliers(engine, query, cipher)


# -- purchase orders and receipts ----------------------------------------------------------------


async def orders_by_id(engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Row]:
    rows = await _all(engine, select(purchase_orders).where(purchase_orders.c.id.in_(list(ids))))
    return {r["id"]: r for r in rows}


async def orders_page(
    engine: AsyncEngine,
    *,
    company_id: uuid.UUID,
    first: int,
    after: Cursor | None,
    supplier_id: uuid.UUID | None = None,
    statuses: Sequence[str] = (),
) -> list[Row]:
    o = purchase_orders.c
    query = select(purchase_orders).where(o.company_id == company_id)
    if supplier_id is not None:
        query = query.where(o.supplier_id == supplier_id)
    if statuses:
        query = query.where(o.status.in_(list(statuses)))
    return await _all(engine, _page(query, purchase_orders, first, after))


async def order_lines_by_order(
    engine: AsyncEngine, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row]]:
    line = purchase_order_lines.c
    query = (
        select(purchase_order_lines)
        .where(line.order_id.in_(list(ids)))
        .order_by(line.order_id, line.line_number)
    )
    return await _by(engine, query, "order_id")


async def receipts_by_id(engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Row]:
    rows = await _all(engine, select(goods_receipts).where(goods_receipts.c.id.in_(list(ids))))
    return {r["id"]: r for r in rows}


async def receipts_page(
    engine: AsyncEngine,
    *,
    company_id: uuid.UUID,
    first: int,
    after: Cursor | None,
    order_id: uuid.UUID | None = None,
    supplier_id: uuid.UUID | None = None,
) -> list[Row]:
    r = goods_receipts.c
    query = select(goods_receipts).where(r.company_id == company_id)
    if order_id is not None:
        query = query.where(r.order_id == order_id)
    if supplier_id is not None:
        query = query.where(r.supplier_id == supplier_id)
    return await _all(engine, _page(query, goods_receipts, first, after))


async def receipts_by_order(
    engine: AsyncEngine, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row]]:
    r = goods_receipts.c
    query = select(goods_receipts).where(r.order_id.in_(list(ids))).order_by(r.created_at, r.id)
    return await _by(engine, query, "order_id")


async def receipt_lines_by_receipt(
    engine: AsyncEngine, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row]]:
    line = goods_receipt_lines.c
    query = (
        select(goods_receipt_lines)
        .where(line.receipt_id.in_(list(ids)))
        .order_by(line.receipt_id, line.line_number)
    )
    return await _by(engine, query, "receipt_id")


# -- bills ---------------------------------------------------------------------------------------


async def bills_by_id(engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Row]:
    rows = await _all(engine, select(bills).where(bills.c.id.in_(list(ids))))
    return {r["id"]: r for r in rows}


async def bills_page(
    engine: AsyncEngine,
    *,
    company_id: uuid.UUID,
    first: int,
    after: Cursor | None,
    supplier_id: uuid.UUID | None = None,
    statuses: Sequence[str] = (),
    overdue_on: date | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[Row]:
    """`statuses` as stored; `overdue_on`: also (OR) open bills due before that day."""
    b = bills.c
    query = select(bills).where(b.company_id == company_id)
    if supplier_id is not None:
        query = query.where(b.supplier_id == supplier_id)
    wanted: list[Any] = []
    if statuses:
        wanted.append(b.status.in_(list(statuses)))
    if overdue_on is not None:
        wanted.append(b.status.in_(["posted", "partially_paid"]) & (b.due_date < overdue_on))
    if wanted:
        query = query.where(or_(*wanted))
    if date_from is not None:
        query = query.where(b.bill_date >= date_from)
    if date_to is not None:
        query = query.where(b.bill_date <= date_to)
    return await _all(engine, _page(query, bills, first, after))


async def bill_lines_by_bill(
    engine: AsyncEngine, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row]]:
    line = bill_lines.c
    query = (
        select(bill_lines)
        .where(line.bill_id.in_(list(ids)))
        .order_by(line.bill_id, line.line_number)
    )
    return await _by(engine, query, "bill_id")


_ALLOCATION = select(
    supplier_payment_allocations,
    supplier_payments.c.number.label("payment_number"),
    supplier_payments.c.payment_date,
    supplier_payments.c.currency_code,
    bills.c.number.label("bill_number"),
).select_from(
    supplier_payment_allocations.join(
        supplier_payments, supplier_payments.c.id == supplier_payment_allocations.c.payment_id
    ).join(bills, bills.c.id == supplier_payment_allocations.c.bill_id)
)


async def allocations_by_bill(
    engine: AsyncEngine, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row]]:
    a = supplier_payment_allocations.c
    query = _ALLOCATION.where(a.bill_id.in_(list(ids))).order_by(
        a.bill_id, supplier_payments.c.payment_date, supplier_payments.c.created_at
    )
    return await _by(engine, query, "bill_id")


# -- payments made -------------------------------------------------------------------------------


async def payments_by_id(engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Row]:
    rows = await _all(
        engine, select(supplier_payments).where(supplier_payments.c.id.in_(list(ids)))
    )
    return {r["id"]: r for r in rows}


async def payments_page(
    engine: AsyncEngine,
    *,
    company_id: uuid.UUID,
    first: int,
    after: Cursor | None,
    supplier_id: uuid.UUID | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[Row]:
    p = supplier_payments.c
    query = select(supplier_payments).where(p.company_id == company_id)
    if supplier_id is not None:
        query = query.where(p.supplier_id == supplier_id)
    if date_from is not None:
        query = query.where(p.payment_date >= date_from)
    if date_to is not None:
        query = query.where(p.payment_date <= date_to)
    return await _all(engine, _page(query, supplier_payments, first, after))


async def allocations_by_payment(
    engine: AsyncEngine, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row]]:
    a = supplier_payment_allocations.c
    query = _ALLOCATION.where(a.payment_id.in_(list(ids))).order_by(a.payment_id, bills.c.number)
    return await _by(engine, query, "payment_id")


# -- AP aging and statements ---------------------------------------------------------------------


async def open_bills_as_of(engine: AsyncEngine, company_id: uuid.UUID, as_of: date) -> list[Row]:
    """Every bill posted by `as_of` with what was still owed on it that day (payments and
    credits dated later do not count), joined to its supplier; fully settled ones left out.
    `outstanding` is in the bill's currency; `base_outstanding` is what the books carried for it
    that day (base total, less what the payments and credits dated by then relieved, plus its
    revaluation shares in force then: `db.readmodels.carrying`), so the aging's base total is
    the payable control account's balance on that day."""
    a, p, c = supplier_payment_allocations.c, supplier_payments.c, supplier_credits.c
    settled = supplier_payment_allocations.join(supplier_payments, p.id == a.payment_id)
    paid = (
        select(func.coalesce(func.sum(a.amount), 0))
        .select_from(settled)
        .where(a.bill_id == bills.c.id, p.payment_date <= as_of)
        .scalar_subquery()
    )
    base_paid = (
        select(func.coalesce(func.sum(a.base_cleared), 0))
        .select_from(settled)
        .where(a.bill_id == bills.c.id, p.payment_date <= as_of)
        .scalar_subquery()
    )
    credited = (
        select(func.coalesce(func.sum(c.total), 0))
        .where(c.bill_id == bills.c.id, c.credit_date <= as_of)
        .scalar_subquery()
    )
    # A credit does not keep the AP it relieved (the bill's carrying amount for the credited
    # part); its journal entry does, on the payable account.
    base_credited = (
        select(func.coalesce(func.sum(journal_lines.c.base_debit - journal_lines.c.base_credit), 0))
        .select_from(
            supplier_credits.join(
                journal_lines,
                and_(
                    journal_lines.c.transaction_id == c.journal_entry_id,
                    journal_lines.c.transaction_date == c.credit_date,  # partition pruning
                ),
            )
        )
        .where(
            c.bill_id == bills.c.id,
            c.credit_date <= as_of,
            journal_lines.c.account_id == _payable_account(company_id),
        )
        .scalar_subquery()
    )
    owed = (bills.c.total - paid - credited).label("outstanding")
    base_owed = (
        bills.c.base_total - base_paid - base_credited + revalued_on(bills.c.id, as_of)
    ).label("base_outstanding")
    inner = (
        select(
            bills.c.id,
            bills.c.number,
            bills.c.supplier_id,
            bills.c.bill_date,
            bills.c.due_date,
            bills.c.currency_code,
            bills.c.exchange_rate,
            owed,
            base_owed,
            suppliers.c.code.label("supplier_code"),
            suppliers.c.name.label("supplier_name"),
        )
        .join(suppliers, suppliers.c.id == bills.c.supplier_id)
        .where(
            bills.c.company_id == company_id,
            bills.c.status.in_(["posted", "partially_paid", "paid"]),
            bills.c.bill_date <= as_of,
        )
        .subquery()
    )
    query = select(inner).where(inner.c.outstanding > 0).order_by(inner.c.supplier_code)
    return await _all(engine, query)


def _payable_account(company_id: uuid.UUID) -> Any:
    """The company's trade payables account as purchasing books to it: the configured one, else
    2100 (`domain.purchasing.handlers.resolve_accounts`)."""
    coa = chart_of_accounts.c
    configured = (
        select(purchasing_settings.c.payable_account_id)
        .where(purchasing_settings.c.company_id == company_id)
        .scalar_subquery()
    )
    by_code = (
        select(coa.id)
        .where(coa.company_id == company_id, coa.account_code == "2100")
        .scalar_subquery()
    )
    return func.coalesce(configured, by_code)


async def statement_lines(engine: AsyncEngine, supplier_id: uuid.UUID, date_to: date) -> list[Row]:
    """Everything that changed what is owed to the supplier up to `date_to`, in date order:
    bills (+), payments (-, the whole amount: advances included) and credits (-)."""
    b, p, c = bills.c, supplier_payments.c, supplier_credits.c
    parts = union_all(
        select(
            b.bill_date.label("day"),
            literal("BILL").label("kind"),
            b.id.label("document_id"),
            b.number.label("number"),
            b.supplier_reference.label("reference"),
            b.total.label("amount"),
            b.posted_at.label("at"),
        ).where(
            b.supplier_id == supplier_id,
            b.status != "draft",
            b.status != "void",
            b.bill_date <= date_to,
        ),
        select(
            p.payment_date,
            literal("PAYMENT"),
            p.id,
            p.number,
            p.reference,
            -p.amount,
            p.created_at,
        ).where(
            p.supplier_id == supplier_id,
            p.payment_date <= date_to,
            p.kind == "payment",  # an advance applied moved no money: the payment counted
        ),
        select(
            c.credit_date, literal("CREDIT"), c.id, c.number, c.reason, -c.total, c.created_at
        ).where(c.supplier_id == supplier_id, c.credit_date <= date_to),
    ).subquery()
    return await _all(engine, select(parts).order_by(parts.c.day, parts.c.at))
