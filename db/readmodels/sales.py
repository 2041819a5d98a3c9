"""Sales reads: customers, documents and their lines, payments and allocations, AR aging and
statements. Each function is one SQL statement whatever the number of rows (the dataloaders
batch their keys into it), so a query's statement count does not grow with page sizes.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import aliased

from db.crypto import CUSTOMER_TAX_ID, FieldCipher, normalise, tenant_schema
from db.readmodels.carrying import revalued_on
from db.repositories.sales import (
    CUSTOMER_COLUMNS,
    SqlSalesDocumentRepository,
    customer_from_row,
)
from db.repositories.tax import SqlTaxCodeRepository, company_tax_codes
from db.tables.sales import (
    customer_balances,
    customer_payments,
    customers,
    payment_allocations,
    sales_document_lines,
    sales_documents,
)
from db.tables.tenant import companies
from domain.sales.model import Customer, SalesAccounts
from domain.shared.aging import BUCKET_DAYS
from domain.tax.model import TaxCode, TaxRounding, default_codes_for

Row = dict[str, Any]
ZERO = Decimal(0)
_d = sales_documents.c
_p = customer_payments.c
_a = payment_allocations.c
_c = customers.c


# -- customers -----------------------------------------------------------------------------------


async def customers_by_id(
    engine: AsyncEngine, ids: Sequence[uuid.UUID], cipher: FieldCipher
) -> dict[uuid.UUID, Customer]:
    tenant = tenant_schema(engine)
    async with engine.connect() as conn:
        rows = await conn.execute(select(*CUSTOMER_COLUMNS).where(_c.id.in_(list(ids))))
        return {r.id: customer_from_row(r._mapping, cipher, tenant=tenant) for r in rows}


async def customers_page(
    engine: AsyncEngine,
    *,
    company_id: uuid.UUID,
    search: str | None,
    include_inactive: bool,
    first: int,
    after: tuple[str, uuid.UUID] | None,
    cipher: FieldCipher,
) -> list[Customer]:
    """Keyset page in code order (one extra row: is there a next page). `search` matches the
    name or code (contains, any case) or the tax id (exactly, any case: the tax id is encrypted,
    so it is found through its blind index and never by part)."""
    tenant = tenant_schema(engine)
    query = select(*CUSTOMER_COLUMNS).where(_c.company_id == company_id)
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matches: list[ColumnElement[bool]] = [_c.name.ilike(pattern), _c.code.ilike(pattern)]
        if normalise(search):
            digest = CUSTOMER_TAX_ID.digest(cipher, search, tenant)
            matches.append(_c.tax_id_index == digest)
        query = query.where(or_(*matches))
    if not include_inactive:
        query = query.where(_c.is_active.is_(True))
    if after is not None:
        query = query.where(tuple_(_c.code, _c.id) > tuple_(*after))
    query = query.order_by(_c.code, _c.id).limit(first + 1)
    async with engine.connect() as conn:
        return [
            customer_from_row(r._mapping, cipher, tenant=tenant) for r in await conn.execute(query)
        ]


async def balances_by_customer(
    engine: AsyncEngine, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Row]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(customer_balances).where(customer_balances.c.customer_id.in_(list(ids)))
        )
        return {r.customer_id: dict(r._mapping) for r in rows}


async def tax_codes_of(engine: AsyncEngine, company_id: uuid.UUID) -> list[TaxCode]:
    """The company's tax codes: until a command stores the default SST set (on its first use
    of the codes), the set it will store (same ids). A query never writes."""
    async with engine.connect() as conn:
        codes = await company_tax_codes(conn, company_id)
        if not codes and await _company_exists(conn, company_id):
            codes = {c.code: c for c in default_codes_for(company_id)}
    return sorted(codes.values(), key=lambda c: c.code)


async def _company_exists(conn: AsyncConnection, company_id: uuid.UUID) -> bool:
    found = await conn.execute(select(companies.c.id).where(companies.c.id == company_id))
    return found.first() is not None


async def sales_accounts_of(engine: AsyncEngine, company_id: uuid.UUID) -> SalesAccounts:
    async with engine.connect() as conn:
        return await SqlSalesDocumentRepository(conn).accounts(company_id)


async def tax_rounding_of(engine: AsyncEngine, company_id: uuid.UUID) -> TaxRounding:
    async with engine.connect() as conn:
        return await SqlTaxCodeRepository(conn).rounding(company_id)


# -- documents -----------------------------------------------------------------------------------

DOCUMENT_COLUMNS = (*sales_documents.c, _c.name.label("customer_name"))


def _with_customer() -> Any:
    return sales_documents.join(customers, _c.id == _d.customer_id)


async def documents_by_id(engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Row]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(*DOCUMENT_COLUMNS).select_from(_with_customer()).where(_d.id.in_(list(ids)))
        )
        return {r.id: dict(r._mapping) for r in rows}


async def lines_by_document(
    engine: AsyncEngine, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row]]:
    out: dict[uuid.UUID, list[Row]] = {}
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(sales_document_lines)
            .where(sales_document_lines.c.document_id.in_(list(ids)))
            .order_by(sales_document_lines.c.document_id, sales_document_lines.c.line_number)
        )
        for r in rows:
            out.setdefault(r.document_id, []).append(dict(r._mapping))
    return out


@dataclass(frozen=True)
class DocumentFilter:
    kinds: tuple[str, ...]
    customer_id: uuid.UUID | None = None
    statuses: tuple[str, ...] = ()  # stored statuses; "overdue" is computed against `today`
    overdue: bool = False
    date_from: date | None = None
    date_to: date | None = None


SORT_COLUMNS = {
    "issue_date": _d.issue_date,
    "due_date": _d.due_date,
    "created_at": _d.created_at,
    "total": _d.total,
}
OPEN_STATUSES = ("posted", "partially_paid")


async def documents_page(
    engine: AsyncEngine,
    *,
    company_id: uuid.UUID,
    where: DocumentFilter,
    today: date,
    sort: str,
    descending: bool,
    first: int,
    after: tuple[Any, uuid.UUID] | None,
) -> list[Row]:
    """Keyset page over (sort column, id); one extra row tells whether there is a next page."""
    column = SORT_COLUMNS[sort]
    query = (
        select(*DOCUMENT_COLUMNS)
        .select_from(_with_customer())
        .where(_d.company_id == company_id, _d.kind.in_(where.kinds))
    )
    if where.customer_id is not None:
        query = query.where(_d.customer_id == where.customer_id)
    status_terms: list[ColumnElement[bool]] = []
    if where.statuses:
        plain: ColumnElement[bool] = _d.status.in_(where.statuses)
        # A listed open status means "and not overdue" unless OVERDUE is asked for too.
        if not where.overdue and any(s in OPEN_STATUSES for s in where.statuses):
            plain = and_(
                plain,
                or_(_d.status.notin_(OPEN_STATUSES), _d.due_date.is_(None), _d.due_date >= today),
            )
        status_terms.append(plain)
    if where.overdue:
        status_terms.append(and_(_d.status.in_(OPEN_STATUSES), _d.due_date < today))
    if status_terms:
        query = query.where(or_(*status_terms))
    if where.date_from is not None:
        query = query.where(_d.issue_date >= where.date_from)
    if where.date_to is not None:
        query = query.where(_d.issue_date <= where.date_to)
    if after is not None:
        key = tuple_(column, _d.id)
        query = query.where(key < tuple_(*after) if descending else key > tuple_(*after))
    if descending:
        query = query.order_by(column.desc().nulls_last(), _d.id.desc())
    else:
        query = query.order_by(column.asc().nulls_last(), _d.id)
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(query.limit(first + 1))]


# -- payments ------------------------------------------------------------------------------------


async def payments_by_id(engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Row]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(*customer_payments.c, _c.name.label("customer_name"))
            .select_from(customer_payments.join(customers, _c.id == _p.customer_id))
            .where(_p.id.in_(list(ids)))
        )
        return {r.id: dict(r._mapping) for r in rows}


async def payments_page(
    engine: AsyncEngine,
    *,
    company_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    first: int,
    after: tuple[Any, uuid.UUID] | None,
) -> list[Row]:
    query = (
        select(*customer_payments.c, _c.name.label("customer_name"))
        .select_from(customer_payments.join(customers, _c.id == _p.customer_id))
        .where(_p.company_id == company_id)
    )
    if customer_id is not None:
        query = query.where(_p.customer_id == customer_id)
    if after is not None:
        query = query.where(tuple_(_p.created_at, _p.id) < tuple_(*after))
    query = query.order_by(_p.created_at.desc(), _p.id.desc()).limit(first + 1)
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(query)]


async def allocations_by_invoice(
    engine: AsyncEngine, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row]]:
    """Each invoice's allocations with their payment's number and date."""
    out: dict[uuid.UUID, list[Row]] = {}
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(
                *payment_allocations.c,
                _p.number.label("payment_number"),
                _p.payment_date,
                _d.number.label("invoice_number"),
            )
            .select_from(
                payment_allocations.join(customer_payments, _p.id == _a.payment_id).join(
                    sales_documents, _d.id == _a.invoice_id
                )
            )
            .where(_a.invoice_id.in_(list(ids)))
            .order_by(_a.created_at, _a.id)
        )
        for r in rows:
            out.setdefault(r.invoice_id, []).append(dict(r._mapping))
    return out


async def allocations_by_payment(
    engine: AsyncEngine, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row]]:
    out: dict[uuid.UUID, list[Row]] = {}
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(
                *payment_allocations.c,
                _p.number.label("payment_number"),
                _p.payment_date,
                _d.number.label("invoice_number"),
            )
            .select_from(
                payment_allocations.join(customer_payments, _p.id == _a.payment_id).join(
                    sales_documents, _d.id == _a.invoice_id
                )
            )
            .where(_a.payment_id.in_(list(ids)))
            .order_by(_a.created_at, _a.id)
        )
        for r in rows:
            out.setdefault(r.payment_id, []).append(dict(r._mapping))
    return out


# -- aging and statements ------------------------------------------------------------------------


@dataclass(frozen=True)
class AgingRow:
    customer_id: uuid.UUID
    customer_code: str
    customer_name: str
    current: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal

    @property
    def total(self) -> Decimal:
        return self.current + self.days_1_30 + self.days_31_60 + self.days_61_90 + self.over_90


async def ar_aging(
    engine: AsyncEngine,
    company_id: uuid.UUID,
    as_of: date,
    customer_ids: Collection[uuid.UUID] | None = None,
) -> list[AgingRow]:
    """Receivables open at `as_of` per customer and bucket of days past due at `as_of`, in base
    currency: invoices and debit notes issued by then, less what the payments allocated to them
    and the credit notes issued against them by then relieved, plus their revaluation shares in
    force then (so an aging of a past date is that date's, and its total is the receivable
    control account's balance on it: `db.readmodels.carrying`)."""
    notes = aliased(sales_documents)
    paid = (
        select(func.coalesce(func.sum(_a.base_amount), 0))
        .where(_a.invoice_id == _d.id, _a.allocation_date <= as_of)
        .scalar_subquery()
    )
    credited = (
        select(func.coalesce(func.sum(notes.c.base_settled), 0))
        .where(
            notes.c.source_id == _d.id,
            notes.c.kind == "credit_note",
            notes.c.issue_date <= as_of,
        )
        .scalar_subquery()
    )
    receivables = (
        select(
            _d.customer_id,
            (literal(as_of) - _d.due_date).label("late"),
            (_d.base_total - paid - credited + revalued_on(_d.id, as_of)).label("open"),
        )
        .where(
            _d.company_id == company_id,
            _d.kind.in_(("invoice", "debit_note")),
            _d.status.in_(("posted", "partially_paid", "paid")),
            _d.issue_date <= as_of,
        )
        .subquery()
    )
    late, open_ = receivables.c.late, receivables.c.open

    def within(first: int, last: int | None) -> ColumnElement[bool]:
        # The first bucket also holds what is not yet due (`late` below 0: overdue_days is 0).
        since = late >= first if first > 0 else None
        until = late <= last if last is not None else None
        return and_(*(c for c in (since, until) if c is not None))

    def bucket_sum(first: int, last: int | None) -> Any:
        return func.coalesce(func.sum(case((within(first, last), open_), else_=0)), 0)

    query = (
        select(
            _c.id,
            _c.code,
            _c.name,
            *(bucket_sum(*days).label(name.value) for name, days in BUCKET_DAYS.items()),
        )
        .select_from(receivables.join(customers, _c.id == receivables.c.customer_id))
        .where(open_ != 0)
        .group_by(_c.id, _c.code, _c.name)
        .order_by(_c.code)
    )
    if customer_ids is not None:
        query = query.where(_c.id.in_(list(customer_ids)))
    async with engine.connect() as conn:
        return [
            AgingRow(r.id, r.code, r.name, *(r._mapping[name.value] for name in BUCKET_DAYS))
            for r in await conn.execute(query)
        ]


async def statement_lines(engine: AsyncEngine, customer_id: uuid.UUID, until: date) -> list[Row]:
    """The customer's posted documents and payments up to `until`, in date order, in their own
    currency: debits (invoices, debit notes, refunds) and credits (credit notes, receipts)."""
    documents = select(
        _d.issue_date.label("day"),
        _d.kind.label("kind"),
        _d.number.label("number"),
        _d.reference.label("reference"),
        _d.currency_code.label("currency_code"),
        case((_d.kind == "credit_note", 0), else_=_d.total).label("debit"),
        case((_d.kind == "credit_note", _d.total), else_=0).label("credit"),
        _d.created_at.label("created_at"),
    ).where(
        _d.customer_id == customer_id,
        _d.kind.in_(("invoice", "debit_note", "credit_note")),
        _d.status.notin_(("draft", "void")),
        _d.issue_date <= until,
    )
    payments = select(
        _p.payment_date.label("day"),
        _p.kind.label("kind"),
        _p.number.label("number"),
        _p.reference.label("reference"),
        _p.currency_code.label("currency_code"),
        case((_p.kind == "refund", _p.amount), else_=0).label("debit"),
        case((_p.kind == "receipt", _p.amount), else_=0).label("credit"),
        _p.created_at.label("created_at"),
    ).where(_p.customer_id == customer_id, _p.payment_date <= until)
    both = union_all(documents, payments).subquery()
    query = select(both).order_by(both.c.day, both.c.created_at)
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(query)]
