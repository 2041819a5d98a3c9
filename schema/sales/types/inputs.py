"""Sales GraphQL inputs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from domain.sales.model import DocumentKind
from schema.sales.types.common import InvoiceSortField, InvoiceStatus, SortDirection
from schema.scalars import Money


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
