"""Per kind: what its checks read from the books, how a batch of checked rows is written (the
context's repository, events recorded like the API's command), and the rows of an export."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.crypto import FieldCipher, tenant_schema
from db.repositories.accounting import ACCOUNT_COLUMNS, SqlAccountRepository, account_from_row
from db.repositories.inventory import (
    PRODUCT_COLUMNS,
    _product_values,
    product_from_row,
    warehouse_from_row,
)
from db.repositories.purchasing import supplier_from_row
from db.repositories.sales import CUSTOMER_COLUMNS, customer_from_row
from db.repositories.tax import SqlTaxCodeRepository, company_tax_codes
from db.tables.accounting import account_balances, chart_of_accounts
from db.tables.currency import exchange_rates
from db.tables.inventory import products, stock_levels, warehouses
from db.tables.purchasing import supplier_balances, suppliers
from db.tables.sales import customers, sales_document_lines, sales_documents, sales_requests
from db.tables.tenant import companies
from db.unit_of_work import SqlUnitOfWork
from domain.accounting.model import ChartOfAccounts
from domain.identity.access import AccessGrants
from domain.imports import invoices as invoice_kind
from domain.imports import stock as stock_kind
from domain.imports.accounts import CHART
from domain.imports.schema import Books
from domain.inventory.model import MovementType
from domain.inventory.stock import Move, move_within
from domain.jobs.model import JobKind
from domain.sales.commands import CreateInvoice
from domain.sales.handlers import create_invoice
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError, ErrorCode, NotFound
from domain.shared.events import EventOrigin
from domain.shared.money import round4
from domain.tax.model import default_codes_for


class RowRefused(Exception):
    """A checked row the books refused at commit (a code taken since the check)."""

    def __init__(self, row: int, column: str | None, code: str, message: str) -> None:
        super().__init__(message)
        self.row, self.column, self.code, self.message = row, column, code, message


Writer = Callable[[SqlUnitOfWork, Sequence[tuple[int, Any]], EventOrigin], Awaitable[None]]


async def load_books(
    conn: AsyncConnection,
    kind: JobKind,
    company_id: uuid.UUID,
    actor: uuid.UUID,
    now: datetime,
    cipher: FieldCipher,
    job_id: uuid.UUID | None = None,
) -> Books:
    currency = (
        await conn.execute(select(companies.c.currency_code).where(companies.c.id == company_id))
    ).scalar_one_or_none()
    if currency is None:
        raise NotFound("Company", "companyId")
    books = Books(company_id, currency, actor, now)
    if kind is JobKind.SALES_INVOICES:
        return await _invoice_books(conn, books, cipher, job_id)
    if kind is JobKind.STOCK_ON_HAND:
        found = await conn.execute(
            select(*PRODUCT_COLUMNS).where(products.c.company_id == company_id)
        )
        books.extra[stock_kind.PRODUCTS] = {
            p.sku: p for p in (product_from_row(r._mapping) for r in found)
        }
        found = await conn.execute(select(warehouses).where(warehouses.c.company_id == company_id))
        books.extra[stock_kind.WAREHOUSES] = {
            w.code: w for w in (warehouse_from_row(r._mapping) for r in found)
        }
        return books  # quantities add to what is held: nothing is taken
    if kind is JobKind.EXCHANGE_RATES:
        return books  # a day's rate is replaced, as setExchangeRate does: nothing is taken
    if kind in (JobKind.ACCOUNTS, JobKind.OPENING_BALANCES):
        chart = ChartOfAccounts(company_id, await SqlAccountRepository(conn).chart(company_id))
        books.extra[CHART] = chart  # the chart's own rules see every code the books hold
        return books
    key = {
        JobKind.CUSTOMERS: customers.c.code,
        JobKind.SUPPLIERS: suppliers.c.code,
        JobKind.PRODUCTS: products.c.sku,
    }[kind]
    rows = await conn.execute(select(key).where(key.table.c.company_id == company_id))
    books.taken = {r[0] for r in rows}
    return books


async def _taken(
    uow: SqlUnitOfWork, column: Any, company_id: uuid.UUID, keys: list[str]
) -> set[str]:
    """Keys of the batch the company has now (taken since the check ran)."""
    found = await uow.connection.execute(
        select(column).where(column.table.c.company_id == company_id, column.in_(keys))
    )
    return {r[0] for r in found}


def _refuse_taken(
    rows: Sequence[tuple[int, Any]], taken: set[str], key: str, column: str, what: str
) -> None:
    for row, item in rows:
        if getattr(item, key) in taken:
            raise RowRefused(
                row, column, str(ErrorCode.DUPLICATE), f"{what} {getattr(item, key)} is taken."
            )


# The batch goes in one multi-row INSERT per table, with the repository's own row mapping
# (`_values`: the sealed tax id and its blind index included); the createX handlers insert one
# row the same way. A key taken since the check is refused by row; one taken in the instant
# between that look and the INSERT fails the batch on the unique constraint (the job resumes,
# and its check then names the row).


async def _invoice_books(
    conn: AsyncConnection, books: Books, cipher: FieldCipher, job_id: uuid.UUID | None
) -> Books:
    company_id = books.company_id
    found = await conn.execute(
        select(*CUSTOMER_COLUMNS).where(customers.c.company_id == company_id)
    )
    tenant = tenant_schema(conn)
    books.extra[invoice_kind.CUSTOMERS] = {
        r.code: customer_from_row(r._mapping, cipher, tenant=tenant) for r in found
    }
    found = await conn.execute(select(*PRODUCT_COLUMNS).where(products.c.company_id == company_id))
    by_id = {p.id: p for p in (product_from_row(r._mapping) for r in found)}
    books.extra[invoice_kind.PRODUCTS_BY_ID] = by_id
    books.extra[invoice_kind.PRODUCTS] = {p.sku: p for p in by_id.values()}
    found = await conn.execute(
        select(warehouses.c.code, warehouses.c.id).where(warehouses.c.company_id == company_id)
    )
    books.extra[invoice_kind.WAREHOUSES] = {code: id_ for code, id_ in found}
    # What createInvoice will use: the stored codes, else the default set it stores first.
    codes = await company_tax_codes(conn, company_id)
    books.extra[invoice_kind.TAX_CODES] = codes or {
        c.code: c for c in default_codes_for(company_id)
    }
    books.extra[invoice_kind.ROUNDING] = await SqlTaxCodeRepository(conn).rounding(company_id)
    found = await conn.execute(
        select(sales_documents.c.reference).where(
            sales_documents.c.company_id == company_id,
            sales_documents.c.kind == "invoice",
            sales_documents.c.reference.isnot(None),
        )
    )
    books.taken = {r[0] for r in found}
    if job_id is not None:
        # A resumed job's own invoices are not duplicates: its second call replays them.
        prefix = f"import:{job_id}:"
        mine = await conn.execute(
            select(sales_requests.c.idempotency_key).where(
                sales_requests.c.company_id == company_id,
                sales_requests.c.idempotency_key.startswith(prefix, autoescape=True),
            )
        )
        books.taken -= {r[0].removeprefix(prefix) for r in mine}
    return books


async def _customers(
    uow: SqlUnitOfWork, rows: Sequence[tuple[int, Any]], origin: EventOrigin
) -> None:
    company_id = rows[0][1].company_id
    taken = await _taken(uow, customers.c.code, company_id, [c.code for _, c in rows])
    _refuse_taken(rows, taken, "code", "code", "Customer code")
    repo = uow.customers
    await uow.connection.execute(insert(customers), [repo._values(c) for _, c in rows])
    for _, customer in rows:
        uow.record(customer.events)


async def _suppliers(
    uow: SqlUnitOfWork, rows: Sequence[tuple[int, Any]], origin: EventOrigin
) -> None:
    company_id = rows[0][1].company_id
    taken = await _taken(uow, suppliers.c.code, company_id, [s.code for _, s in rows])
    _refuse_taken(rows, taken, "code", "code", "Supplier code")
    repo = uow.suppliers
    await uow.connection.execute(insert(suppliers), [repo._values(s) for _, s in rows])
    await uow.connection.execute(
        insert(supplier_balances),
        [{"supplier_id": s.id, "company_id": s.company_id, "currency_code": s.currency_code}
         for _, s in rows],
    )  # fmt: skip
    for _, supplier in rows:
        uow.record(supplier.events)


async def _products(
    uow: SqlUnitOfWork, rows: Sequence[tuple[int, Any]], origin: EventOrigin
) -> None:
    company_id = rows[0][1].company_id
    taken = await _taken(uow, products.c.sku, company_id, [p.sku for _, p in rows])
    _refuse_taken(rows, taken, "sku", "sku", "SKU")
    await uow.connection.execute(insert(products), [_product_values(p) for _, p in rows])
    for _, product in rows:
        uow.record(product.events)


async def _accounts(
    uow: SqlUnitOfWork, rows: Sequence[tuple[int, Any]], origin: EventOrigin
) -> None:
    if not rows:
        return
    company_id = rows[0][1].company_id
    # The API's lock: no concurrent account change passes the chart's checks beside ours.
    await uow.accounts.lock_chart(company_id)
    taken = {a.code for a in await uow.accounts.chart(company_id)}
    for row, account in rows:
        if account.code in taken:
            raise RowRefused(
                row, "code", str(ErrorCode.DUPLICATE), f"Account {account.code} exists."
            )
    await uow.accounts.add([a for _, a in rows])  # rows in file order: parents first
    for _, account in rows:
        uow.record(account.events)


async def _rates(uow: SqlUnitOfWork, rows: Sequence[tuple[int, Any]], origin: EventOrigin) -> None:
    for _, r in rows:  # setExchangeRate's own statement: insert or replace the day's rate
        await uow.rates.set_rate(
            r.company_id, r.currency, r.base_currency, r.effective_date, r.rate, r.actor
        )


async def _opening(
    uow: SqlUnitOfWork, rows: Sequence[tuple[int, Any]], origin: EventOrigin
) -> None:
    """createJournalEntry(post: true)'s steps: the partition, the period (share-locked), post,
    add_posted (lines and both balance read models), TransactionPosted."""
    for row, opening in rows:
        entry = opening.entry
        await uow.journals.ensure_partitions([entry.transaction_date])
        period = await uow.periods.period_on(entry.company_id, entry.transaction_date)
        try:
            entry.post(period=period, sequence=None, accounts=opening.accounts,
                       actor=opening.actor, now=utcnow())  # fmt: skip
        except DomainError as exc:
            error = exc.errors[0]
            raise RowRefused(row, "date", str(error.code), error.message) from exc
        await uow.journals.add_posted(entry)
        uow.record(entry.events)


async def _stock(uow: SqlUnitOfWork, rows: Sequence[tuple[int, Any]], origin: EventOrigin) -> None:
    """adjustStock's movement for every row of the batch, in one move_within call (its
    levels, cost layers, movements and the valued entry, StockAdjusted events)."""
    first = rows[0][1]
    moves = [
        Move(s.product.id, s.warehouse.id, s.quantity, MovementType.ADJUSTMENT, "adjustment",
             unit_cost=s.unit_cost)
        for _, s in rows
    ]  # fmt: skip
    try:
        await move_within(
            uow, origin, company_id=first.company_id, occurred_on=first.day,
            reason=stock_kind.REASON, reference_type="StockAdjustment",
            reference_id=uuid.uuid4(), moves=moves, field_prefix="rows", date_field="date",
        )  # fmt: skip
    except DomainError as exc:
        index, column, code, message = stock_kind.refusal_of(exc)
        row = rows[index][0] if index is not None and index < len(rows) else rows[0][0]
        raise RowRefused(row, column, code, message) from exc


WRITERS: dict[JobKind, Writer] = {
    JobKind.CUSTOMERS: _customers,
    JobKind.SUPPLIERS: _suppliers,
    JobKind.PRODUCTS: _products,
    JobKind.ACCOUNTS: _accounts,
    JobKind.EXCHANGE_RATES: _rates,
    JobKind.OPENING_BALANCES: _opening,
    JobKind.STOCK_ON_HAND: _stock,
}


async def _invoice(
    uow: SqlUnitOfWork, invoice: Any, origin: EventOrigin, grants: AccessGrants, job_id: uuid.UUID
) -> None:
    """createInvoice(post: true) itself — its rules, posting, stock issue, customer balance and
    events — in its own transaction; the key makes a resumed job's second call a replay."""
    command = CreateInvoice(
        customer_id=invoice.customer_id,
        items=tuple(invoice.items),
        due_date=invoice.due_date,
        issue_date=invoice.issue_date,
        currency_code=invoice.currency_code,
        reference=invoice.number,
        post=True,
        idempotency_key=invoice.idempotency_key(job_id),
    )
    try:
        await create_invoice(command, uow, origin, grants)
    except DomainError as exc:
        error = invoice_kind.refusal(invoice, exc)
        raise RowRefused(error.row, error.column, error.code, error.message) from exc


EachWriter = Callable[[SqlUnitOfWork, Any, EventOrigin, AccessGrants, uuid.UUID], Awaitable[None]]
# Kinds whose items the API's own handler makes, one transaction each (the handler's).
EACH: dict[JobKind, EachWriter] = {JobKind.SALES_INVOICES: _invoice}


# -- exports ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    header: list[str]
    rows: list[list[str]]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def export_rows(
    conn: AsyncConnection, kind: JobKind, company_id: uuid.UUID, cipher: FieldCipher
) -> Exported:
    """The kind's rows of one company in its import columns (an export imports back)."""
    tenant = tenant_schema(conn)
    if kind is JobKind.CUSTOMERS:
        found = await conn.execute(
            select(*CUSTOMER_COLUMNS)
            .where(customers.c.company_id == company_id)
            .order_by(customers.c.code)
        )
        header = ["code", "name", "taxId", "registrationNumber", "email", "phone",
                  "currencyCode", "paymentTermsDays", "creditLimit"]  # fmt: skip
        rows = []
        for r in found:
            c = customer_from_row(r._mapping, cipher, tenant=tenant)
            rows.append([c.code, c.name, c.tax_id, c.registration_number, c.email, c.phone,
                         c.currency_code, c.payment_terms_days, c.credit_limit])  # fmt: skip
    elif kind is JobKind.SUPPLIERS:
        found = await conn.execute(
            select(suppliers).where(suppliers.c.company_id == company_id).order_by(suppliers.c.code)
        )
        header = ["code", "name", "taxId", "registrationNumber", "currencyCode",
                  "paymentTermsDays", "creditLimit"]  # fmt: skip
        rows = []
        for r in found:
            s = supplier_from_row(r._mapping, cipher, tenant=tenant)
            rows.append([s.code, s.name, s.tax_id, s.registration_number, s.currency_code,
                         s.payment_terms_days, s.credit_limit])  # fmt: skip
    elif kind is JobKind.PRODUCTS:
        found = await conn.execute(
            select(*PRODUCT_COLUMNS)
            .where(products.c.company_id == company_id)
            .order_by(products.c.sku)
        )
        header = ["sku", "name", "description", "unitOfMeasure", "barcode", "isStocked",
                  "costMethod", "sellingPrice", "reorderPoint", "reorderQuantity",
                  "leadTimeDays", "allowNegativeStock"]  # fmt: skip
        rows = []
        for r in found:
            p = product_from_row(r._mapping)
            rows.append([p.sku, p.name, p.description, p.unit_of_measure, p.barcode,
                         p.is_stocked, p.cost_method, p.selling_price, p.reorder_point,
                         p.reorder_quantity, p.lead_time_days,
                         p.allow_negative_stock])  # fmt: skip
    elif kind is JobKind.ACCOUNTS:
        found = await conn.execute(
            select(*ACCOUNT_COLUMNS)
            .where(chart_of_accounts.c.company_id == company_id)
            .order_by(chart_of_accounts.c.code)
        )
        accounts = [account_from_row(r._mapping) for r in found]
        code_of = {a.id: a.code for a in accounts}
        header = ["code", "name", "type", "subtype", "parentCode"]
        rows = [
            [
                a.code,
                a.name,
                a.account_type,
                a.subtype,
                code_of.get(a.parent_id) if a.parent_id else None,
            ]
            for a in _parents_first(accounts)
        ]
    elif kind is JobKind.EXCHANGE_RATES:
        found = await conn.execute(
            select(exchange_rates.c.from_currency, exchange_rates.c.effective_date,
                   exchange_rates.c.rate)
            .where(exchange_rates.c.company_id == company_id)
            .order_by(exchange_rates.c.from_currency, exchange_rates.c.effective_date)
        )  # fmt: skip
        header = ["currency", "effectiveDate", "rate"]
        rows = [[c, d.isoformat(), r] for c, d, r in found]
    elif kind is JobKind.OPENING_BALANCES:
        # The trial balance to date (every posted month), as an opening-balances file.
        net = func.sum(account_balances.c.debit_total - account_balances.c.credit_total)
        found = await conn.execute(
            select(chart_of_accounts.c.account_code, net)
            .join(chart_of_accounts, chart_of_accounts.c.id == account_balances.c.account_id)
            .where(account_balances.c.company_id == company_id)
            .group_by(chart_of_accounts.c.account_code)
            .having(net != 0)
            .order_by(chart_of_accounts.c.account_code)
        )
        header = ["date", "accountCode", "debit", "credit"]
        today = utcnow().date().isoformat()
        rows = [
            [today, code, amount if amount > 0 else None, -amount if amount < 0 else None]
            for code, amount in found
        ]
    elif kind is JobKind.STOCK_ON_HAND:
        found = await conn.execute(
            select(products.c.sku, warehouses.c.code, stock_levels.c.on_hand,
                   stock_levels.c.value)
            .join(products, products.c.id == stock_levels.c.product_id)
            .join(warehouses, warehouses.c.id == stock_levels.c.warehouse_id)
            .where(stock_levels.c.company_id == company_id, stock_levels.c.on_hand > 0)
            .order_by(products.c.sku, warehouses.c.code)
        )  # fmt: skip
        header = ["date", "sku", "warehouse", "quantity", "unitCost"]
        today = utcnow().date().isoformat()
        rows = [[today, sku, code, qty, round4(value / qty)] for sku, code, qty, value in found]
    elif kind is JobKind.SALES_INVOICES:
        header = ["invoiceNumber", "customerCode", "issueDate", "dueDate", "currencyCode",
                  "sku", "description", "quantity", "unitPrice", "discountPercent", "taxCode",
                  "warehouse"]  # fmt: skip
        d, line = sales_documents, sales_document_lines
        found = await conn.execute(
            select(func.coalesce(d.c.reference, d.c.number), customers.c.code, d.c.issue_date,
                   d.c.due_date, d.c.currency_code, products.c.sku, line.c.description,
                   line.c.quantity, line.c.unit_price, line.c.discount_percent, line.c.tax_code,
                   warehouses.c.code)
            .join(line, line.c.document_id == d.c.id)
            .join(customers, customers.c.id == d.c.customer_id)
            .outerjoin(products, products.c.id == line.c.product_id)
            .outerjoin(warehouses, warehouses.c.id == line.c.warehouse_id)
            .where(d.c.company_id == company_id, d.c.kind == "invoice",
                   d.c.status.notin_(("draft", "void")))
            .order_by(d.c.issue_date, d.c.number, line.c.line_number)
        )  # fmt: skip
        rows = [
            [number, code, issued.isoformat(), due.isoformat() if due else None, *rest]
            for number, code, issued, due, *rest in found
        ]
    else:
        raise DomainError.single(
            ErrorCode.INVALID, f"Exporting {kind} is not available yet.", "kind"
        )
    return Exported(header, [[_text(v) for v in row] for row in rows])


def _parents_first(accounts: list[Any]) -> list[Any]:
    """An account after its parent, so the export imports back in one pass."""
    by_id = {a.id: a for a in accounts}
    placed: set[uuid.UUID] = set()
    out: list[Any] = []

    def place(a: Any) -> None:
        if a.id in placed:
            return
        if a.parent_id in by_id:
            place(by_id[a.parent_id])
        placed.add(a.id)
        out.append(a)

    for account in accounts:
        place(account)
    return out
