"""Sales GraphQL types: quotations, orders, deliveries, invoices, credit and debit notes."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self

import strawberry

from domain.sales import model
from domain.sales.model import DocumentKind
from schema.accounting.types import JournalEntry
from schema.relay import PageInfo
from schema.sales.types.common import (
    TYPICAL_ALLOCATIONS,
    TYPICAL_LINES,
    InvoiceStatus,
    SalesDocumentStatus,
    _id,
    money,
)
from schema.sales.types.customers import Customer
from schema.scalars import Money


@strawberry.type
class SalesLine:
    line_number: int
    product_id: strawberry.ID | None
    description: str
    quantity: Decimal
    unit_price: Money
    discount_percent: Decimal
    tax_code: str | None
    tax_rate: Decimal
    net_amount: Money
    tax_amount: Money
    total: Money
    warehouse_id: strawberry.ID | None
    source_line_number: int | None = strawberry.field(
        description="The line of the document this one came from (order, invoice)."
    )
    fulfilled_quantity: Decimal = strawberry.field(
        description="Orders: delivered; invoices: credited."
    )
    cost_amount: Money = strawberry.field(description="Cost of the goods that moved, if any.")

    @classmethod
    def of(cls, line: model.SalesLine) -> Self:
        return cls.from_row({**line.__dict__, "line_total": line.line_total})

    @classmethod
    def from_row(cls, r: Mapping[str, Any]) -> Self:
        return cls(
            line_number=r["line_number"],
            product_id=_id(r["product_id"]),
            description=r["description"],
            quantity=_plain(r["quantity"]),
            unit_price=money(r["unit_price"]),
            discount_percent=_plain(r["discount_percent"]),
            tax_code=r["tax_code"],
            tax_rate=_plain(r["tax_rate"]),
            net_amount=money(r["net_amount"]),
            tax_amount=money(r["tax_amount"]),
            total=money(r["line_total"]),
            warehouse_id=_id(r["warehouse_id"]),
            source_line_number=r["source_line_number"],
            fulfilled_quantity=_plain(r["fulfilled_quantity"]),
            cost_amount=money(r["cost_amount"]),
        )


def _plain(value: Decimal) -> Decimal:
    """Without the column's trailing zeros: 2, not 2.0000."""
    text = format(value, "f")
    return Decimal(text.rstrip("0").rstrip(".") if "." in text else text)


@strawberry.type(description="A payment's allocation to an invoice or debit note.")
class CustomerPaymentAllocation:
    id: strawberry.ID
    payment_id: strawberry.ID
    payment_number: str
    payment_date: date
    invoice_id: strawberry.ID
    invoice_number: str | None
    allocation_date: date
    amount: Money = strawberry.field(description="In the invoice's currency.")
    base_amount: Money = strawberry.field(description="Receivable relieved (base currency).")
    fx_difference: Money = strawberry.field(
        description="Realized exchange gain (+) or loss (-) in base currency."
    )

    @classmethod
    def from_row(cls, r: Mapping[str, Any]) -> Self:
        return cls(
            id=strawberry.ID(str(r["id"])),
            payment_id=strawberry.ID(str(r["payment_id"])),
            payment_number=r["payment_number"],
            payment_date=r["payment_date"],
            invoice_id=strawberry.ID(str(r["invoice_id"])),
            invoice_number=r["invoice_number"],
            allocation_date=r["allocation_date"],
            amount=money(r["amount"]),
            base_amount=money(r["base_amount"]),
            fx_difference=money(r["fx_difference"]),
        )


def _lines_of(lines: Sequence[model.SalesLine | Mapping[str, Any]]) -> list[SalesLine]:
    return [
        SalesLine.of(x) if isinstance(x, model.SalesLine) else SalesLine.from_row(x) for x in lines
    ]


class _DocumentFields:
    """How a document's journal entry loads (one batch per request)."""

    journal_entry_id: strawberry.ID | None

    async def _journal_entry(self, info: strawberry.Info) -> JournalEntry | None:
        if self.journal_entry_id is None:
            return None
        row = await info.context.loaders.journal_entry_by_id.load(
            uuid.UUID(str(self.journal_entry_id))
        )
        return JournalEntry.from_row(row) if row is not None else None


def _document_values(
    source: model.SalesDocument | Mapping[str, Any], customer_name: str | None
) -> dict[str, Any]:
    if isinstance(source, model.SalesDocument):
        d: Mapping[str, Any] = {
            **source.__dict__,
            "kind": source.kind.value,
            "status": source.status.value,
            "subtotal": source.subtotal,
            "tax_total": source.tax_total,
            "total": source.total,
            "base_total": source.base_total,
        }
        name = customer_name
    else:
        d, name = source, source.get("customer_name", customer_name)
    return {
        "id": strawberry.ID(str(d["id"])),
        "company_id": strawberry.ID(str(d["company_id"])),
        "kind": DocumentKind(d["kind"]),
        "number": d["number"],
        "customer_id": strawberry.ID(str(d["customer_id"])),
        "stored_status": d["status"],
        "issue_date": d["issue_date"],
        "due_date": d["due_date"],
        "currency_code": d["currency_code"],
        "exchange_rate": _plain(d["exchange_rate"]),
        "subtotal": money(d["subtotal"]),
        "tax_total": money(d["tax_total"]),
        "total": money(d["total"]),
        "base_total": money(d["base_total"]),
        "amount_paid": money(d["amount_paid"]),
        "amount_credited": money(d["amount_credited"]),
        "amount_due": money(d["total"] - d["amount_paid"] - d["amount_credited"]),
        "reference": d["reference"],
        "notes": d["notes"],
        "source_id": _id(d["source_id"]),
        "warehouse_id": _id(d["warehouse_id"]),
        "journal_entry_id": _id(d["journal_entry_id"]),
        "posted_at": d["posted_at"],
        "created_at": d["created_at"],
        "version": d["version"],
        "customer_name": name or "",
    }


@strawberry.type(
    description="An invoice, credit note or debit note: the spec's InvoiceProjection (id, "
    "invoiceNumber, customerName, total, status, dueDate, overdueDays) and the rest."
)
class Invoice(_DocumentFields):
    id: strawberry.ID
    company_id: strawberry.ID
    kind: DocumentKind
    invoice_number: str | None = strawberry.field(
        description="Assigned on posting, gapless per company: INV-000001 (CN-/DN- for notes)."
    )
    customer_id: strawberry.ID
    issue_date: date
    due_date: date | None
    currency_code: str
    exchange_rate: Decimal = strawberry.field(description="Invoice currency -> base currency.")
    subtotal: Money
    tax_total: Money
    total: Money
    base_total: Money
    amount_paid: Money
    amount_credited: Money
    amount_due: Money
    reference: str | None
    notes: str | None
    source_id: strawberry.ID | None = strawberry.field(
        description="The delivery it bills (invoices) or the invoice it adjusts (notes)."
    )
    warehouse_id: strawberry.ID | None
    journal_entry_id: strawberry.ID | None
    posted_at: datetime | None
    created_at: datetime
    version: int
    customer_name: str
    status: InvoiceStatus
    overdue_days: int = strawberry.field(
        description="Days past due in the tenant's timezone (0: not overdue)."
    )
    # Relations arrive loaded (through the dataloaders, a batch per page: see
    # resolvers/sales/build.py), so they are plain fields the fast executor completes.
    customer: Customer | None
    lines: list[SalesLine] = strawberry.field(metadata={"list_size": TYPICAL_LINES})
    payments: list[CustomerPaymentAllocation] = strawberry.field(
        description="Allocations of payments received to this invoice.",
        metadata={"list_size": TYPICAL_ALLOCATIONS},
    )
    stored_status: strawberry.Private[str]

    @strawberry.field(description="The posting's journal entry (AR / revenue / tax).")
    async def journal_entry(self, info: strawberry.Info) -> JournalEntry | None:
        return await self._journal_entry(info)

    @classmethod
    def of(
        cls,
        source: model.SalesDocument | Mapping[str, Any],
        *,
        today: date,
        customer: model.Customer | None,
        lines: Sequence[model.SalesLine | Mapping[str, Any]],
        allocations: Sequence[Mapping[str, Any]],
    ) -> Self:
        """`today` (the tenant's) decides OVERDUE."""
        values = _document_values(source, customer.name if customer else None)
        values["invoice_number"] = values.pop("number")
        values["customer"] = Customer.of(customer) if customer is not None else None
        values["lines"] = _lines_of(lines)
        values["payments"] = [CustomerPaymentAllocation.from_row(a) for a in allocations]
        stored = values["stored_status"]
        due = values["due_date"]
        late = (
            max(0, (today - due).days)
            if stored in ("posted", "partially_paid") and due is not None
            else 0
        )
        values["overdue_days"] = late
        values["status"] = InvoiceStatus.OVERDUE if late > 0 else InvoiceStatus(stored)
        return cls(**values)


@strawberry.type(description="A quotation, sales order or delivery.")
class SalesDocument(_DocumentFields):
    id: strawberry.ID
    company_id: strawberry.ID
    kind: DocumentKind
    number: str | None
    customer_id: strawberry.ID
    issue_date: date
    due_date: date | None = strawberry.field(
        description="Quotations: valid until; orders: promised delivery date."
    )
    currency_code: str
    exchange_rate: Decimal
    subtotal: Money
    tax_total: Money
    total: Money
    reference: str | None
    notes: str | None
    source_id: strawberry.ID | None = strawberry.field(
        description="Orders: the quotation; deliveries: the order."
    )
    warehouse_id: strawberry.ID | None
    journal_entry_id: strawberry.ID | None
    created_at: datetime
    version: int
    customer_name: str
    status: SalesDocumentStatus
    customer: Customer | None
    lines: list[SalesLine] = strawberry.field(metadata={"list_size": TYPICAL_LINES})
    stored_status: strawberry.Private[str]

    @classmethod
    def of(
        cls,
        source: model.SalesDocument | Mapping[str, Any],
        *,
        customer: model.Customer | None,
        lines: Sequence[model.SalesLine | Mapping[str, Any]],
    ) -> Self:
        values = _document_values(source, customer.name if customer else None)
        values["status"] = SalesDocumentStatus(values["stored_status"])
        values["customer"] = Customer.of(customer) if customer is not None else None
        values["lines"] = _lines_of(lines)
        for unused in ("base_total", "amount_paid", "amount_credited", "amount_due", "posted_at"):
            values.pop(unused)
        return cls(**values)


@strawberry.type
class InvoiceEdge:
    cursor: str
    node: Invoice


@strawberry.type
class InvoiceConnection:
    edges: list[InvoiceEdge]
    page_info: PageInfo


@strawberry.type
class SalesDocumentEdge:
    cursor: str
    node: SalesDocument


@strawberry.type
class SalesDocumentConnection:
    edges: list[SalesDocumentEdge]
    page_info: PageInfo
