"""Sales repositories, bound to one unit of work's connection (see db/unit_of_work.py)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.crypto import CUSTOMER_TAX_ID, FieldCipher, tenant_schema
from db.idempotency import RequestTable
from db.repositories.party import TaxIdSealing, party_fields, party_values
from db.tables.accounting import chart_of_accounts
from db.tables.sales import (
    customer_balances,
    customer_payments,
    customers,
    payment_allocations,
    sales_account_settings,
    sales_document_lines,
    sales_documents,
    sales_number_sequences,
    sales_requests,
)
from domain.sales.model import (
    DEFAULT_ACCOUNT_CODES,
    Allocation,
    Customer,
    CustomerPayment,
    DocumentKind,
    DocumentStatus,
    PaymentKind,
    SalesAccounts,
    SalesDocument,
    SalesLine,
    resolve_accounts,
)
from domain.shared.errors import Conflict
from domain.shared.idempotency import PriorRequest

ZERO = Decimal(0)
_REQUESTS = RequestTable(sales_requests, result_column="result_id")

# -- customers -----------------------------------------------------------------------------------

# Everything but the blind index, which only ever serves a lookup.
CUSTOMER_COLUMNS = tuple(c for c in customers.c if c.name != CUSTOMER_TAX_ID.index_column)


def customer_from_row(row: Mapping[Any, Any], cipher: FieldCipher, *, tenant: str) -> Customer:
    """A customer from its stored row: the tax id (encrypted at rest) is opened here, so the
    domain and the API see plaintext; a row copied from elsewhere fails with DecryptionError."""
    return Customer(
        **party_fields(row, CUSTOMER_TAX_ID, cipher, tenant=tenant),
        email=row["email"],
        phone=row["phone"],
        addresses=list(row["addresses"] or []),
        contacts=list(row["contacts"] or []),
    )


def _customer_values(customer: Customer) -> dict[str, Any]:
    return party_values(customer) | {
        "email": customer.email,
        "phone": customer.phone,
        "addresses": customer.addresses,
        "contacts": customer.contacts,
    }


class SqlCustomerRepository(TaxIdSealing):
    """`tax_id` is sealed on write and opened on read (db/crypto.py): the domain sees plaintext."""

    def __init__(self, conn: AsyncConnection, cipher: FieldCipher | None) -> None:
        super().__init__(conn, cipher, CUSTOMER_TAX_ID)

    def _values(self, customer: Customer) -> dict[str, Any]:
        return _customer_values(customer) | self._sealed_tax_id(customer)

    async def add(self, customer: Customer) -> bool:
        result = await self._conn.execute(
            pg_insert(customers)
            .values(self._values(customer))
            .on_conflict_do_nothing(index_elements=["company_id", "code"])
            .returning(customers.c.id)
        )
        return result.first() is not None

    async def get(self, customer_id: uuid.UUID, *, for_update: bool = False) -> Customer | None:
        query = select(*CUSTOMER_COLUMNS).where(customers.c.id == customer_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        return customer_from_row(row._mapping, self._cipher, tenant=tenant_schema(self._conn))

    async def save(self, customer: Customer, *, previous_version: int) -> bool:
        taken = (
            await self._conn.execute(
                select(customers.c.id).where(
                    customers.c.company_id == customer.company_id,
                    customers.c.code == customer.code,
                    customers.c.id != customer.id,
                )
            )
        ).first()
        if taken is not None:
            return False
        values = self._values(customer)
        for fixed in ("id", "company_id", "created_at", "created_by"):
            del values[fixed]
        result = await self._conn.execute(
            update(customers)
            .where(customers.c.id == customer.id, customers.c.version == previous_version)
            .values(values)
        )
        if result.rowcount != 1:
            raise Conflict("Customer was changed by someone else; reload it and try again.")
        return True

    async def receivable_balance(self, customer_id: uuid.UUID) -> Decimal:
        value = (
            await self._conn.execute(
                select(customer_balances.c.receivable).where(
                    customer_balances.c.customer_id == customer_id
                )
            )
        ).scalar_one_or_none()
        return value if value is not None else ZERO


# -- documents -----------------------------------------------------------------------------------

LINE_FIELDS = (
    "product_id",
    "description",
    "quantity",
    "unit_price",
    "discount_percent",
    "tax_code",
    "tax_rate",
    "net_amount",
    "tax_amount",
    "line_total",
    "revenue_account_id",
    "tax_account_id",
    "warehouse_id",
    "source_line_number",
    "cost_amount",
    "fulfilled_quantity",
    "stock_movement_id",
)
HEADER_FIELDS = (
    "id",
    "company_id",
    "kind",
    "number",
    "customer_id",
    "status",
    "issue_date",
    "due_date",
    "currency_code",
    "exchange_rate",
    "warehouse_id",
    "source_id",
    "reference",
    "notes",
    "amount_paid",
    "amount_credited",
    "base_settled",
    "base_total",
    "journal_entry_id",
    "stock_entry_id",
    "posted_at",
    "voided_at",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "version",
)


def line_from_row(row: Mapping[Any, Any]) -> SalesLine:
    return SalesLine(line_number=row["line_number"], **{f: row[f] for f in LINE_FIELDS})


def document_from_rows(
    header: Mapping[Any, Any], lines: Sequence[Mapping[Any, Any]]
) -> SalesDocument:
    values = {f: header[f] for f in HEADER_FIELDS}
    values["kind"] = DocumentKind(values["kind"])
    values["status"] = DocumentStatus(values["status"])
    return SalesDocument(
        lines=sorted((line_from_row(r) for r in lines), key=lambda x: x.line_number), **values
    )


def _header_values(document: SalesDocument) -> dict[str, Any]:
    values = {f: getattr(document, f) for f in HEADER_FIELDS}
    values["kind"] = document.kind.value
    values["status"] = document.status.value
    values["subtotal"] = document.subtotal
    values["tax_total"] = document.tax_total
    values["total"] = document.total
    values["base_total"] = document.base_total
    return values


def _line_values(document: SalesDocument, line: SalesLine) -> dict[str, Any]:
    return {
        "document_id": document.id,
        "line_number": line.line_number,
        "company_id": document.company_id,
        **{f: getattr(line, f) for f in LINE_FIELDS},
    }


class SqlSalesDocumentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, document: SalesDocument) -> None:
        await self._conn.execute(pg_insert(sales_documents).values(_header_values(document)))
        if document.lines:
            await self._conn.execute(
                pg_insert(sales_document_lines),
                [_line_values(document, line) for line in document.lines],
            )

    async def _load(
        self, ids: Collection[uuid.UUID], *, for_update: bool
    ) -> dict[uuid.UUID, SalesDocument]:
        if not ids:
            return {}
        query = (
            select(sales_documents)
            .where(sales_documents.c.id.in_(sorted(ids, key=str)))
            .order_by(sales_documents.c.id)
        )
        if for_update:
            query = query.with_for_update()
        headers = [r._mapping for r in await self._conn.execute(query)]
        if not headers:
            return {}
        line_rows = await self._conn.execute(
            select(sales_document_lines).where(
                sales_document_lines.c.document_id.in_([h["id"] for h in headers])
            )
        )
        by_document: dict[uuid.UUID, list[Mapping[Any, Any]]] = {}
        for row in line_rows:
            by_document.setdefault(row.document_id, []).append(row._mapping)
        return {h["id"]: document_from_rows(h, by_document.get(h["id"], [])) for h in headers}

    async def get(
        self, document_id: uuid.UUID, *, for_update: bool = False
    ) -> SalesDocument | None:
        return (await self._load([document_id], for_update=for_update)).get(document_id)

    async def get_many_for_update(
        self, ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, SalesDocument]:
        return await self._load(ids, for_update=True)

    async def save(self, document: SalesDocument, *, previous_version: int) -> None:
        values = _header_values(document)
        for fixed in ("id", "company_id", "kind", "created_at", "created_by"):
            del values[fixed]
        result = await self._conn.execute(
            update(sales_documents)
            .where(
                sales_documents.c.id == document.id,
                sales_documents.c.version == previous_version,
            )
            .values(values)
        )
        if result.rowcount != 1:
            raise Conflict("The document was changed by someone else; reload it and try again.")
        # Lines change only in their running figures (what was delivered/credited, at what cost,
        # moved by which movement).
        for line in document.lines:
            await self._conn.execute(
                update(sales_document_lines)
                .where(
                    sales_document_lines.c.document_id == document.id,
                    sales_document_lines.c.line_number == line.line_number,
                )
                .values(
                    fulfilled_quantity=line.fulfilled_quantity,
                    cost_amount=line.cost_amount,
                    stock_movement_id=line.stock_movement_id,
                )
            )

    async def next_number(self, company_id: uuid.UUID, kind: str) -> int:
        statement = pg_insert(sales_number_sequences).values(
            company_id=company_id, kind=kind, next_value=2
        )
        result = await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=["company_id", "kind"],
                set_={"next_value": sales_number_sequences.c.next_value + 1},
            ).returning(sales_number_sequences.c.next_value)
        )
        return int(result.scalar_one()) - 1

    async def accounts(self, company_id: uuid.UUID) -> SalesAccounts:
        coa = chart_of_accounts.c
        chart = await self._conn.execute(
            select(coa.account_code, coa.id).where(
                coa.company_id == company_id,
                coa.account_code.in_(list(DEFAULT_ACCOUNT_CODES.values())),
                coa.is_active.is_(True),
            )
        )
        overrides = await self._conn.execute(
            select(sales_account_settings.c.role, sales_account_settings.c.account_id).where(
                sales_account_settings.c.company_id == company_id
            )
        )
        return resolve_accounts(
            {r.account_code: r.id for r in chart}, {r.role: r.account_id for r in overrides}
        )

    async def claim_request(
        self, company_id: uuid.UUID, operation: str, key: str, fingerprint: str
    ) -> PriorRequest | None:
        scope = {"company_id": company_id, "operation": operation, "idempotency_key": key}
        return await _REQUESTS.claim(self._conn, scope, fingerprint)

    async def complete_request(
        self, company_id: uuid.UUID, operation: str, key: str, result_id: uuid.UUID
    ) -> None:
        scope = {"company_id": company_id, "operation": operation, "idempotency_key": key}
        await _REQUESTS.complete(self._conn, scope, result_id)

    async def map_account(
        self, company_id: uuid.UUID, role: str, account_id: uuid.UUID | None
    ) -> None:
        table = sales_account_settings
        if account_id is None:
            await self._conn.execute(
                delete(table).where(table.c.company_id == company_id, table.c.role == role)
            )
            return
        statement = pg_insert(table).values(company_id=company_id, role=role, account_id=account_id)
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=["company_id", "role"], set_={"account_id": account_id}
            )
        )


# -- payments ------------------------------------------------------------------------------------

PAYMENT_FIELDS = (
    "id",
    "company_id",
    "customer_id",
    "number",
    "payment_date",
    "currency_code",
    "exchange_rate",
    "amount",
    "bank_account_id",
    "reference",
    "notes",
    "created_at",
    "created_by",
    "allocated_amount",
    "refunded_amount",
    "journal_entry_id",
    "version",
)


def allocation_from_row(row: Mapping[Any, Any]) -> Allocation:
    return Allocation(
        id=row["id"],
        payment_id=row["payment_id"],
        invoice_id=row["invoice_id"],
        allocation_date=row["allocation_date"],
        amount=row["amount"],
        base_amount=row["base_amount"],
        fx_difference=row["fx_difference"],
        journal_entry_id=row["journal_entry_id"],
    )


def _allocation_values(payment: CustomerPayment, allocation: Allocation) -> dict[str, Any]:
    return {
        "id": allocation.id,
        "company_id": payment.company_id,
        "payment_id": payment.id,
        "invoice_id": allocation.invoice_id,
        "allocation_date": allocation.allocation_date,
        "amount": allocation.amount,
        "base_amount": allocation.base_amount,
        "fx_difference": allocation.fx_difference,
        "journal_entry_id": allocation.journal_entry_id or payment.journal_entry_id,
    }


class SqlCustomerPaymentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, payment: CustomerPayment) -> None:
        values = {f: getattr(payment, f) for f in PAYMENT_FIELDS}
        values["kind"] = payment.kind.value
        await self._conn.execute(pg_insert(customer_payments).values(values))
        await self._add_allocations(payment, payment.allocations)

    async def _add_allocations(
        self, payment: CustomerPayment, allocations: Sequence[Allocation]
    ) -> None:
        if allocations:
            await self._conn.execute(
                pg_insert(payment_allocations),
                [_allocation_values(payment, a) for a in allocations],
            )

    async def get(
        self, payment_id: uuid.UUID, *, for_update: bool = False
    ) -> CustomerPayment | None:
        query = select(customer_payments).where(customer_payments.c.id == payment_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        m = row._mapping
        payment = CustomerPayment(kind=PaymentKind(m["kind"]), **{f: m[f] for f in PAYMENT_FIELDS})
        allocations = await self._conn.execute(
            select(payment_allocations)
            .where(payment_allocations.c.payment_id == payment_id)
            .order_by(payment_allocations.c.created_at, payment_allocations.c.id)
        )
        payment.allocations = [allocation_from_row(a._mapping) for a in allocations]
        return payment

    async def save(self, payment: CustomerPayment, *, previous_version: int) -> None:
        result = await self._conn.execute(
            update(customer_payments)
            .where(
                customer_payments.c.id == payment.id,
                customer_payments.c.version == previous_version,
            )
            .values(
                allocated_amount=payment.allocated_amount,
                refunded_amount=payment.refunded_amount,
                version=payment.version,
            )
        )
        if result.rowcount != 1:
            raise Conflict("The payment was changed by someone else; reload it and try again.")
        stored = {
            r.id
            for r in await self._conn.execute(
                select(payment_allocations.c.id).where(
                    payment_allocations.c.payment_id == payment.id
                )
            )
        }
        await self._add_allocations(payment, [a for a in payment.allocations if a.id not in stored])
