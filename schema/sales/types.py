"""Sales types: customers, tax codes, invoices (the spec's InvoiceProjection and more), other
sales documents, payments, AR aging and statements; their inputs, payloads and errors.

Nested relations (customer, lines, payments, journal entry) resolve through the per-request
dataloaders, so a page of invoices costs a fixed number of SQL statements."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Self

import strawberry

from domain.sales import model
from domain.sales.model import AccountRole, DocumentKind, PaymentKind
from domain.tax.model import TaxKind, TaxRounding
from schema.accounting.types import JournalEntry
from schema.errors import UserError
from schema.relay import PageInfo
from schema.scalars import Money

QUANTUM = Decimal("0.0001")
# What the query cost estimate counts a document's lines and a payment's allocations as (see
# schema.limits): their typical size, not the domain's maximum, so a page of 50 invoices with
# lines and payments stays within a plan's budget.
TYPICAL_LINES = 20
TYPICAL_ALLOCATIONS = 10

strawberry.enum(DocumentKind, name="SalesDocumentKind")
strawberry.enum(PaymentKind, name="CustomerPaymentKind", description="RECEIPT in, REFUND out.")
strawberry.enum(TaxKind, name="TaxKind", description="SST sales tax, service tax, or exempt.")
strawberry.enum(
    TaxRounding,
    name="TaxRounding",
    description="How each line's tax is rounded to 2 places: HALF_UP (default), HALF_EVEN "
    "(banker's) or DOWN (truncated).",
)
strawberry.enum(
    AccountRole,
    name="SalesAccountRole",
    description="What a sales posting books to: RECEIVABLE (default 1200), SALES (4100), "
    "SERVICE (4110), RETURNS (4120), TAX (2200), ADVANCES (2130), FX_GAIN (4920), FX_LOSS "
    "(6800), COGS (5110, for returned goods).",
)


@strawberry.enum(
    description="DRAFT -> POSTED -> PARTIALLY_PAID -> PAID; OVERDUE: posted or partially "
    "paid and past its due date (in the tenant's timezone); VOID: a voided draft."
)
class InvoiceStatus(Enum):
    DRAFT = "draft"
    POSTED = "posted"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    VOID = "void"


@strawberry.enum(
    description="Quotations: OPEN -> CONVERTED; orders: OPEN -> "
    "PARTIALLY_DELIVERED -> DELIVERED; deliveries: POSTED -> INVOICED."
)
class SalesDocumentStatus(Enum):
    DRAFT = "draft"
    OPEN = "open"
    CONVERTED = "converted"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    INVOICED = "invoiced"
    POSTED = "posted"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"


@strawberry.enum
class InvoiceSortField(Enum):
    ISSUE_DATE = "issue_date"
    DUE_DATE = "due_date"
    CREATED_AT = "created_at"
    TOTAL = "total"


@strawberry.enum
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


def money(value: Decimal | None) -> Money:
    return Money((value or Decimal(0)).quantize(QUANTUM))


def _id(value: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


# -- customers -----------------------------------------------------------------------------------


@strawberry.type
class CustomerAddress:
    kind: str | None
    line1: str | None
    line2: str | None
    city: str | None
    state: str | None
    postcode: str | None
    country: str | None


@strawberry.type
class CustomerContact:
    name: str | None
    email: str | None
    phone: str | None
    role: str | None


@strawberry.type(description="A customer's balance from the read model the event handler keeps.")
class CustomerBalance:
    receivable: Money = strawberry.field(description="Posted and unpaid, in base currency.")
    advance: Money = strawberry.field(description="Paid in advance or credited, unapplied.")
    draft_total: Money = strawberry.field(description="Draft invoices not yet posted.")
    net: Money = strawberry.field(description="receivable - advance.")
    updated_at: datetime | None


@strawberry.type
class Customer:
    id: strawberry.ID
    company_id: strawberry.ID
    code: str
    name: str
    tax_id: str | None = strawberry.field(description="The customer's tax id (TIN).")
    registration_number: str | None
    email: str | None
    phone: str | None
    addresses: list[CustomerAddress] = strawberry.field(metadata={"list_size": 3})
    contacts: list[CustomerContact] = strawberry.field(metadata={"list_size": 3})
    currency_code: str
    payment_terms_days: int
    credit_limit: Money | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @strawberry.field(description="Eventually consistent: updated by the event handler.")
    async def balance(self, info: strawberry.Info) -> CustomerBalance:
        row = await info.context.loaders.customer_balance_by_customer.load(uuid.UUID(str(self.id)))
        receivable = row["receivable"] if row else Decimal(0)
        advance = row["advance"] if row else Decimal(0)
        return CustomerBalance(
            receivable=money(receivable),
            advance=money(advance),
            draft_total=money(row["draft_total"] if row else None),
            net=money(receivable - advance),
            updated_at=row["updated_at"] if row else None,
        )

    @classmethod
    def of(cls, c: model.Customer) -> Self:
        return cls(
            id=strawberry.ID(str(c.id)),
            company_id=strawberry.ID(str(c.company_id)),
            code=c.code,
            name=c.name,
            tax_id=c.tax_id,
            registration_number=c.registration_number,
            email=c.email,
            phone=c.phone,
            addresses=[
                CustomerAddress(**{k: a.get(k) for k in CustomerAddress.__annotations__})
                for a in c.addresses
            ],
            contacts=[
                CustomerContact(**{k: x.get(k) for k in CustomerContact.__annotations__})
                for x in c.contacts
            ],
            currency_code=c.currency_code,
            payment_terms_days=c.payment_terms_days,
            credit_limit=money(c.credit_limit) if c.credit_limit is not None else None,
            is_active=c.is_active,
            created_at=c.created_at,
            updated_at=c.updated_at,
            version=c.version,
        )


@strawberry.type
class CustomerEdge:
    cursor: str
    node: Customer


@strawberry.type
class CustomerConnection:
    edges: list[CustomerEdge]
    page_info: PageInfo


@strawberry.type
class TaxCode:
    id: strawberry.ID
    code: str
    name: str
    rate: Decimal = strawberry.field(description="Percent: 10 means 10 %.")
    kind: TaxKind
    account_id: strawberry.ID | None = strawberry.field(
        description="Where its tax is booked; null: 2200 SST Payable."
    )
    is_active: bool


# -- documents -----------------------------------------------------------------------------------


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


# -- payments ------------------------------------------------------------------------------------


@strawberry.type(description="Money received from (RECEIPT) or refunded to (REFUND) a customer.")
class CustomerPayment:
    id: strawberry.ID
    company_id: strawberry.ID
    customer_id: strawberry.ID
    kind: PaymentKind
    number: str
    payment_date: date
    currency_code: str
    exchange_rate: Decimal
    amount: Money
    allocated_amount: Money
    refunded_amount: Money
    unallocated_amount: Money = strawberry.field(
        description="The customer's advance left on this payment (refundable, allocatable)."
    )
    bank_account_id: strawberry.ID
    reference: str | None
    journal_entry_id: strawberry.ID | None
    created_at: datetime

    @strawberry.field
    async def customer(self, info: strawberry.Info) -> Customer | None:
        found = await info.context.loaders.customer_by_id.load(uuid.UUID(str(self.customer_id)))
        return Customer.of(found) if found is not None else None

    @strawberry.field(metadata={"list_size": TYPICAL_ALLOCATIONS})
    async def allocations(self, info: strawberry.Info) -> list[CustomerPaymentAllocation]:
        rows = await info.context.loaders.allocations_by_payment.load(uuid.UUID(str(self.id)))
        return [CustomerPaymentAllocation.from_row(r) for r in rows]

    @strawberry.field
    async def journal_entry(self, info: strawberry.Info) -> JournalEntry | None:
        if self.journal_entry_id is None:
            return None
        row = await info.context.loaders.journal_entry_by_id.load(
            uuid.UUID(str(self.journal_entry_id))
        )
        return JournalEntry.from_row(row) if row is not None else None

    @classmethod
    def of(cls, source: model.CustomerPayment | Mapping[str, Any]) -> Self:
        d: Mapping[str, Any]
        if isinstance(source, model.CustomerPayment):
            d = {**source.__dict__, "kind": source.kind.value}
        else:
            d = source
        return cls(
            id=strawberry.ID(str(d["id"])),
            company_id=strawberry.ID(str(d["company_id"])),
            customer_id=strawberry.ID(str(d["customer_id"])),
            kind=PaymentKind(d["kind"]),
            number=d["number"],
            payment_date=d["payment_date"],
            currency_code=d["currency_code"],
            exchange_rate=_plain(d["exchange_rate"]),
            amount=money(d["amount"]),
            allocated_amount=money(d["allocated_amount"]),
            refunded_amount=money(d["refunded_amount"]),
            unallocated_amount=money(
                d["amount"] - d["allocated_amount"] - d["refunded_amount"]
                if d["kind"] == "receipt"
                else Decimal(0)
            ),
            bank_account_id=strawberry.ID(str(d["bank_account_id"])),
            reference=d["reference"],
            journal_entry_id=_id(d["journal_entry_id"]),
            created_at=d["created_at"],
        )


@strawberry.type
class CustomerPaymentEdge:
    cursor: str
    node: CustomerPayment


@strawberry.type
class CustomerPaymentConnection:
    edges: list[CustomerPaymentEdge]
    page_info: PageInfo


# -- aging and statements ------------------------------------------------------------------------


@strawberry.type(description="Open receivables by days past due, in base currency.")
class ArAgingBuckets:
    current: Money
    days_1_to_30: Money
    days_31_to_60: Money
    days_61_to_90: Money
    over_90: Money
    total: Money


@strawberry.type
class CustomerAging:
    customer_id: strawberry.ID
    customer_code: str
    customer_name: str
    buckets: ArAgingBuckets


@strawberry.type
class ArAging:
    company_id: strawberry.ID
    as_of: date
    currency_code: str
    customers: list[CustomerAging] = strawberry.field(metadata={"list_size": 50})
    totals: ArAgingBuckets


@strawberry.type
class CustomerStatementLine:
    date: date
    kind: str = strawberry.field(description="invoice, debit_note, credit_note, receipt or refund.")
    number: str | None
    reference: str | None
    debit: Money
    credit: Money
    balance: Money = strawberry.field(description="Running: what the customer owes after it.")


@strawberry.type(description="A customer's account in their currency between two dates.")
class CustomerStatement:
    customer: Customer
    currency_code: str
    date_from: date
    date_to: date
    opening_balance: Money
    lines: list[CustomerStatementLine] = strawberry.field(metadata={"list_size": 50})
    closing_balance: Money
    aging: ArAgingBuckets


# -- inputs --------------------------------------------------------------------------------------


@strawberry.input
class CustomerAddressInput:
    kind: str | None = strawberry.field(default=None, description="billing, shipping, ...")
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    country: str | None = None


@strawberry.input
class CustomerContactInput:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    role: str | None = None


@strawberry.input
class CreateCustomerInput:
    company_id: strawberry.ID
    code: str = strawberry.field(description="Unique in the company.")
    name: str
    tax_id: str | None = strawberry.field(default=None, description="Tax id (TIN).")
    registration_number: str | None = None
    email: str | None = None
    phone: str | None = None
    addresses: list[CustomerAddressInput] | None = None
    contacts: list[CustomerContactInput] | None = None
    currency_code: str | None = strawberry.field(
        default=None, description="Default: the company's base currency."
    )
    payment_terms_days: int = 30
    credit_limit: Money | None = strawberry.field(
        default=None, description="In base currency; null: no limit."
    )


@strawberry.input(description="Send only the fields to change, with the version you last read.")
class UpdateCustomerInput:
    id: strawberry.ID
    version: int
    code: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    tax_id: str | None = strawberry.UNSET
    registration_number: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    addresses: list[CustomerAddressInput] | None = strawberry.UNSET
    contacts: list[CustomerContactInput] | None = strawberry.UNSET
    currency_code: str | None = strawberry.UNSET
    payment_terms_days: int | None = strawberry.UNSET
    credit_limit: Money | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET


@strawberry.input(description="A product (priced from it unless unitPrice is sent) or free text.")
class InvoiceItemInput:
    product_id: strawberry.ID | None = None
    description: str | None = strawberry.field(
        default=None, description="Required for free text; default: the product's name."
    )
    quantity: Decimal
    unit_price: Money | None = None
    discount_percent: Decimal = strawberry.field(default=Decimal(0), description="0 to 100.")
    tax_code: str | None = strawberry.field(default=None, description="e.g. SST10, SVC8, EX.")
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=None, description="Where a stocked product leaves from; default: the document's."
    )


@strawberry.input(description="The spec's CreateInvoiceCommand (the tenant is the caller's).")
class CreateInvoiceInput:
    customer_id: strawberry.ID
    items: list[InvoiceItemInput] = strawberry.field(default_factory=list)
    due_date: date | None = strawberry.field(
        default=None, description="Default: issue date + the customer's payment terms."
    )
    notes: str | None = None
    issue_date: date | None = strawberry.field(
        default=None, description="Default: today in the tenant's timezone."
    )
    currency_code: str | None = strawberry.field(
        default=None, description="Default: the customer's currency."
    )
    warehouse_id: strawberry.ID | None = None
    reference: str | None = None
    delivery_id: strawberry.ID | None = strawberry.field(
        default=None, description="Bill a delivery: its lines become the items."
    )
    post: bool = strawberry.field(default=False, description="Post at once (invoice:post).")
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="A retry with the same key returns the first result; the same key with "
        "different input is refused (CONFLICT).",
    )


@strawberry.input
class InvoiceIdInput:
    id: strawberry.ID


@strawberry.input
class CreateQuotationInput:
    customer_id: strawberry.ID
    items: list[InvoiceItemInput]
    valid_until: date | None = None
    notes: str | None = None
    issue_date: date | None = None
    currency_code: str | None = None
    reference: str | None = None


@strawberry.input
class CreateSalesOrderInput:
    customer_id: strawberry.ID | None = None
    items: list[InvoiceItemInput] = strawberry.field(default_factory=list)
    quotation_id: strawberry.ID | None = strawberry.field(
        default=None, description="Convert this quotation (its items are used)."
    )
    warehouse_id: strawberry.ID | None = None
    issue_date: date | None = None
    delivery_date: date | None = None
    notes: str | None = None
    currency_code: str | None = None
    reference: str | None = None


@strawberry.input
class DocumentLineQuantityInput:
    line_number: int
    quantity: Decimal


@strawberry.input
class CreateDeliveryInput:
    sales_order_id: strawberry.ID
    lines: list[DocumentLineQuantityInput] | None = strawberry.field(
        default=None, description="Default: everything still to deliver."
    )
    delivery_date: date | None = None
    notes: str | None = None


@strawberry.input
class CreditNoteLineInput:
    line_number: int = strawberry.field(description="The invoice's line.")
    quantity: Decimal
    unit_price: Money | None = strawberry.field(
        default=None, description="Default: the invoiced price (lower for a price reduction)."
    )


@strawberry.input
class CreateCreditNoteInput:
    invoice_id: strawberry.ID
    lines: list[CreditNoteLineInput]
    return_stock: bool = strawberry.field(
        default=True, description="Put returned goods back in stock at their cost."
    )
    issue_date: date | None = None
    reason: str | None = None


@strawberry.input
class CreateDebitNoteInput:
    invoice_id: strawberry.ID
    items: list[InvoiceItemInput]
    issue_date: date | None = None
    due_date: date | None = None
    reason: str | None = None


@strawberry.input
class AllocationInput:
    invoice_id: strawberry.ID
    amount: Money


@strawberry.input
class ReceivePaymentInput:
    customer_id: strawberry.ID
    amount: Money
    bank_account_id: strawberry.ID = strawberry.field(description="e.g. 1110 Cash at Bank.")
    allocations: list[AllocationInput] = strawberry.field(
        default_factory=list, description="What is not allocated is kept as an advance."
    )
    payment_date: date | None = None
    currency_code: str | None = None
    reference: str | None = None
    notes: str | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="A retry with the same key returns the first payment (no second one); "
        "the same key with different input is refused (CONFLICT).",
    )


@strawberry.input
class AllocatePaymentInput:
    payment_id: strawberry.ID
    allocations: list[AllocationInput]
    allocation_date: date | None = None


@strawberry.input
class RefundPaymentInput:
    payment_id: strawberry.ID
    amount: Money
    bank_account_id: strawberry.ID | None = None
    refund_date: date | None = None
    reference: str | None = None


@strawberry.input
class InvoiceFilter:
    customer_id: strawberry.ID | None = None
    status: list[InvoiceStatus] | None = None
    date_from: date | None = strawberry.field(default=None, description="Issue date from.")
    date_to: date | None = strawberry.field(default=None, description="Issue date to.")
    kinds: list[DocumentKind] | None = strawberry.field(
        default=None, description="Default: INVOICE only."
    )


@strawberry.input
class InvoiceSort:
    field: InvoiceSortField = InvoiceSortField.ISSUE_DATE
    direction: SortDirection = SortDirection.DESC


# -- payloads ------------------------------------------------------------------------------------


@strawberry.type
class CustomerError(UserError):
    pass


@strawberry.type(
    description="`field` names the input at fault; for items `items.<index>.<field>`, from 0."
)
class InvoiceError(UserError):
    pass


@strawberry.type
class SalesDocumentError(UserError):
    pass


@strawberry.type(description="For allocations `allocations.<index>.<field>`, from 0.")
class PaymentError(UserError):
    pass


@strawberry.type
class CustomerPayload:
    customer: Customer | None
    errors: list[CustomerError]


@strawberry.type
class InvoicePayload:
    invoice: Invoice | None
    errors: list[InvoiceError]


@strawberry.type
class SalesDocumentPayload:
    document: SalesDocument | None
    errors: list[SalesDocumentError]


@strawberry.type
class PaymentPayload:
    payment: CustomerPayment | None
    errors: list[PaymentError]


@strawberry.type(description="The account a posting role books to in a company.")
class SalesAccount:
    role: AccountRole
    account_id: strawberry.ID | None = strawberry.field(
        description="null: the company has no account for the role (postings needing it fail)."
    )


@strawberry.input(description="accountId null: back to the default code's account.")
class SetSalesAccountInput:
    company_id: strawberry.ID
    role: AccountRole
    account_id: strawberry.ID | None = None


@strawberry.type
class SalesAccountError(UserError):
    pass


@strawberry.type
class SalesAccountsPayload:
    accounts: list[SalesAccount] | None
    errors: list[SalesAccountError]


@strawberry.input
class SetTaxRoundingInput:
    company_id: strawberry.ID
    rounding: TaxRounding


@strawberry.type
class TaxRoundingPayload:
    rounding: TaxRounding | None
    errors: list[SalesAccountError]
