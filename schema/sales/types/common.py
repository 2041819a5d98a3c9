"""Sales GraphQL types: enums and helpers every sales type shares."""

from __future__ import annotations

import uuid
from decimal import Decimal
from enum import Enum

import strawberry

from domain.sales.model import AccountRole, DocumentKind, PaymentKind
from domain.tax.model import TaxKind, TaxRounding
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
