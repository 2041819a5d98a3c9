"""Purchasing: suppliers, purchase orders, goods receipts, supplier bills, payments made and
supplier credits, with their invariants.

Amounts are Decimal in the document's currency (the supplier's), at most 4 places; a line's
amount is `quantity x unit price` rounded half-up to 4 places. Base-currency amounts use the
document's exchange rate (the company's rate on the document date) the same way the books do
(`domain.accounting.model.base_amount`), so sub-ledger and books agree to the cent.

Three-way match: a bill line that names a goods-receipt line may bill at most the quantity
received and not yet billed, and its unit price may differ from the receipt's (the order's)
price by at most the company's price tolerance (a percentage). Beyond either: the bill is
refused (`lines.<i>.quantity` / `lines.<i>.unitPrice`) and nothing is written.

Errors name the input field at fault as the client spelled it: `lines.2.quantity` is the third
line's quantity (lines are numbered from 0, as the client's list is).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from typing import Any, Protocol

from domain.accounting.carrying import relieved_base
from domain.accounting.conversion import price_in_base
from domain.accounting.model import base_amount
from domain.purchasing.events import (
    BILL_CREATED,
    BILL_POSTED,
    BILL_VOIDED,
    GOODS_RECEIVED,
    PURCHASE_ORDER_CANCELLED,
    PURCHASE_ORDER_CREATED,
    SUPPLIER_ADVANCE_APPLIED,
    SUPPLIER_CREATED,
    SUPPLIER_CREDIT_ISSUED,
    SUPPLIER_PAYMENT_MADE,
    SUPPLIER_UPDATED,
)
from domain.shared.currency import is_currency_code
from domain.shared.errors import Conflict, DomainError, ErrorCode, ValidationErrors
from domain.shared.events import RecordedEvent
from domain.tax.model import TaxCode, TaxRounding, line_tax

SUPPLIER = "Supplier"
PURCHASE_ORDER = "PurchaseOrder"
GOODS_RECEIPT = "GoodsReceipt"
BILL = "Bill"
SUPPLIER_PAYMENT = "SupplierPayment"
SUPPLIER_CREDIT = "SupplierCredit"

ZERO = Decimal(0)
HUNDRED = Decimal(100)
RATE_QUANTUM = Decimal("1E-10")  # NUMERIC(19,10), as the books keep rates
QUANTUM = Decimal("0.0001")  # NUMERIC(19,4) for amounts and quantities alike
AMOUNT_MAX = Decimal("999999999999999.9999")
CODE_MAX = 30
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
NAME_MAX = 255
TAX_ID_MAX = 50
REGISTRATION_MAX = 100
TEXT_MAX = 1000
REFERENCE_MAX = 100
MAX_LINES = 500
MAX_ADDRESSES = 10
MAX_CONTACTS = 20
PAYMENT_TERMS_MAX = 3650
TOLERANCE_MAX = Decimal(100)


def q4(value: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return value.quantize(QUANTUM, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return q4(quantity * unit_price)


def _fits(value: Decimal) -> bool:
    with localcontext() as ctx:
        ctx.prec = 60
        return value.is_finite() and value.quantize(QUANTUM) == value and abs(value) <= AMOUNT_MAX


def check_quantity(errors: ValidationErrors, value: Decimal, path: str) -> None:
    if not _fits(value):
        errors.add(path, "Quantities have at most 4 decimal places.")
    elif value <= 0:
        errors.add(path, "The quantity must be greater than zero.")


def check_price(errors: ValidationErrors, value: Decimal, path: str) -> None:
    if not _fits(value):
        errors.add(path, "Prices have at most 4 decimal places.")
    elif value < 0:
        errors.add(path, "The price cannot be negative.")


def _text(
    errors: ValidationErrors, value: str | None, path: str, limit: int, *, required: bool = False
) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            errors.add(path, "This field is required.", ErrorCode.REQUIRED)
        return None
    if len(cleaned) > limit:
        errors.add(path, f"At most {limit} characters.")
    return cleaned


def _id(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def _money(value: Decimal) -> str:
    return format(q4(value), "f")


# -- suppliers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    kind: str  # "billing", "shipping", "office", ... free text
    line1: str
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    country: str | None = None  # ISO 3166 alpha-2

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "line1": self.line1,
            "line2": self.line2,
            "city": self.city,
            "state": self.state,
            "postcode": self.postcode,
            "country": self.country,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Address:
        return cls(
            kind=data.get("kind") or "billing",
            line1=data.get("line1") or "",
            line2=data.get("line2"),
            city=data.get("city"),
            state=data.get("state"),
            postcode=data.get("postcode"),
            country=data.get("country"),
        )


@dataclass(frozen=True)
class Contact:
    name: str
    email: str | None = None
    phone: str | None = None
    role: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "email": self.email, "phone": self.phone, "role": self.role}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Contact:
        return cls(
            name=data.get("name") or "",
            email=data.get("email"),
            phone=data.get("phone"),
            role=data.get("role"),
        )


# Domain attribute -> the input field name a GraphQL client sends.
SUPPLIER_FIELDS = {
    "code": "code",
    "name": "name",
    "tax_id": "taxId",
    "registration_number": "registrationNumber",
    "addresses": "addresses",
    "contacts": "contacts",
    "currency_code": "currencyCode",
    "payment_terms_days": "paymentTermsDays",
    "credit_limit": "creditLimit",
    "is_active": "isActive",
}


def _check_supplier(errors: ValidationErrors, values: Mapping[str, Any]) -> dict[str, Any]:
    """Validated, normalised attributes (only those present in `values`)."""
    out: dict[str, Any] = {}
    if "code" in values:
        code = _text(errors, values["code"], "code", CODE_MAX, required=True)
        if code is not None and not CODE_PATTERN.match(code):
            errors.add("code", "Letters, digits, '.', '_', '/' and '-' only.")
        out["code"] = code.upper() if code else code
    if "name" in values:
        out["name"] = _text(errors, values["name"], "name", NAME_MAX, required=True)
    if "tax_id" in values:
        tax_id = _text(errors, values["tax_id"], "taxId", TAX_ID_MAX)
        out["tax_id"] = tax_id.upper() if tax_id else None
    if "registration_number" in values:
        out["registration_number"] = _text(
            errors, values["registration_number"], "registrationNumber", REGISTRATION_MAX
        )
    if "addresses" in values:
        addresses = tuple(values["addresses"] or ())
        if len(addresses) > MAX_ADDRESSES:
            errors.add("addresses", f"At most {MAX_ADDRESSES} addresses.")
        for i, a in enumerate(addresses):
            if not (a.line1 or "").strip():
                errors.add(f"addresses.{i}.line1", "This field is required.", ErrorCode.REQUIRED)
        out["addresses"] = addresses
    if "contacts" in values:
        contacts = tuple(values["contacts"] or ())
        if len(contacts) > MAX_CONTACTS:
            errors.add("contacts", f"At most {MAX_CONTACTS} contacts.")
        for i, c in enumerate(contacts):
            if not (c.name or "").strip():
                errors.add(f"contacts.{i}.name", "This field is required.", ErrorCode.REQUIRED)
        out["contacts"] = contacts
    if "currency_code" in values:
        code = (values["currency_code"] or "").strip().upper()
        if not is_currency_code(code):
            errors.add("currencyCode", f"'{values['currency_code']}' is not an ISO 4217 code.")
        out["currency_code"] = code
    if "payment_terms_days" in values:
        days = values["payment_terms_days"]
        if days is None or not 0 <= days <= PAYMENT_TERMS_MAX:
            errors.add("paymentTermsDays", f"Between 0 and {PAYMENT_TERMS_MAX} days.")
        out["payment_terms_days"] = days
    if "credit_limit" in values:
        limit = values["credit_limit"]
        if limit is not None and (not _fits(limit) or limit < 0):
            errors.add("creditLimit", "A non-negative amount with at most 4 decimal places.")
        out["credit_limit"] = limit
    if "is_active" in values:
        out["is_active"] = bool(values["is_active"])
    return out


@dataclass
class Supplier:
    id: uuid.UUID
    company_id: uuid.UUID
    code: str
    name: str
    tax_id: str | None
    registration_number: str | None
    addresses: tuple[Address, ...]
    contacts: tuple[Contact, ...]
    currency_code: str
    payment_terms_days: int
    credit_limit: Decimal | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID
    updated_by: uuid.UUID
    version: int = 1
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def create(
        cls,
        *,
        company_id: uuid.UUID,
        values: Mapping[str, Any],
        actor: uuid.UUID,
        now: datetime,
    ) -> Supplier:
        errors = ValidationErrors()
        checked = _check_supplier(errors, values)
        errors.raise_if_any()
        supplier = cls(
            id=uuid.uuid4(),
            company_id=company_id,
            code=checked["code"],
            name=checked["name"],
            tax_id=checked.get("tax_id"),
            registration_number=checked.get("registration_number"),
            addresses=checked.get("addresses", ()),
            contacts=checked.get("contacts", ()),
            currency_code=checked["currency_code"],
            payment_terms_days=checked.get("payment_terms_days", 30),
            credit_limit=checked.get("credit_limit"),
            is_active=True,
            created_at=now,
            updated_at=now,
            created_by=actor,
            updated_by=actor,
        )
        supplier._record(SUPPLIER_CREATED, now, supplier.summary())
        return supplier

    def update(
        self,
        *,
        expected_version: int,
        changes: Mapping[str, Any],
        has_documents: bool,
        actor: uuid.UUID,
        now: datetime,
    ) -> None:
        if expected_version != self.version:
            raise Conflict("The supplier was changed by someone else; reload it and try again.")
        errors = ValidationErrors()
        checked = _check_supplier(errors, changes)
        if (
            has_documents
            and "currency_code" in checked
            and checked["currency_code"] != self.currency_code
        ):
            errors.add("currencyCode", "A supplier with documents keeps its currency.")
        errors.raise_if_any()
        changed = {k: v for k, v in checked.items() if getattr(self, k) != v}
        if not changed:
            return
        for attribute, value in changed.items():
            setattr(self, attribute, value)
        self.updated_at, self.updated_by = now, actor
        self.version += 1
        self._record(
            SUPPLIER_UPDATED,
            now,
            {"companyId": str(self.company_id), "changed": [SUPPLIER_FIELDS[k] for k in changed]},
        )

    def summary(self) -> dict[str, Any]:
        return {
            "companyId": str(self.company_id),
            "code": self.code,
            "name": self.name,
            "currencyCode": self.currency_code,
        }

    def _record(self, event_type: str, now: datetime, payload: dict[str, Any]) -> None:
        self.events.append(RecordedEvent(event_type, SUPPLIER, self.id, payload, now))


def require_supplier(
    supplier: Supplier | None, company_id: uuid.UUID, path: str = "supplierId"
) -> Supplier:
    """A supplier of this company that is active; otherwise a typed error on `path`."""
    if supplier is None or supplier.company_id != company_id:
        raise DomainError.single(ErrorCode.NOT_FOUND, "Supplier not found.", path)
    if not supplier.is_active:
        raise DomainError.single(
            ErrorCode.INVALID_STATE, f"Supplier {supplier.code} is inactive.", path
        )
    return supplier


# -- products as this context sees them ----------------------------------------------------------


class ProductFacts(Protocol):
    """What purchasing needs to know of a product (inventory's Product, read through
    `uow.products`)."""

    @property
    def company_id(self) -> uuid.UUID: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def is_stocked(self) -> bool: ...

    @property
    def sku(self) -> str: ...


def check_product(
    errors: ValidationErrors,
    product_id: uuid.UUID,
    products: Mapping[uuid.UUID, ProductFacts],
    company_id: uuid.UUID,
    path: str,
) -> ProductFacts | None:
    product = products.get(product_id)
    if product is None or product.company_id != company_id:
        errors.add(path, "No such product in this company.", ErrorCode.NOT_FOUND)
        return None
    if not product.is_active:
        errors.add(path, f"Product {product.sku} is inactive.", ErrorCode.INVALID_STATE)
        return None
    return product


# -- purchase orders -----------------------------------------------------------------------------


class OrderStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class OrderLineInput:
    product_id: uuid.UUID
    quantity: Decimal
    unit_price: Decimal
    description: str | None = None


@dataclass
class OrderLine:
    id: uuid.UUID
    line_number: int  # 1-based
    product_id: uuid.UUID
    description: str | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    received_quantity: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        return self.quantity - self.received_quantity


@dataclass
class PurchaseOrder:
    id: uuid.UUID
    company_id: uuid.UUID
    supplier_id: uuid.UUID
    number: str
    order_date: date
    expected_date: date | None
    warehouse_id: uuid.UUID
    currency_code: str
    status: OrderStatus
    notes: str | None
    lines: list[OrderLine]
    total: Decimal
    created_at: datetime
    created_by: uuid.UUID
    updated_at: datetime
    version: int = 1
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def create(
        cls,
        *,
        supplier: Supplier,
        number: str,
        order_date: date,
        expected_date: date | None,
        warehouse_id: uuid.UUID,
        notes: str | None,
        lines: Sequence[OrderLineInput],
        products: Mapping[uuid.UUID, ProductFacts],
        actor: uuid.UUID,
        now: datetime,
    ) -> PurchaseOrder:
        errors = ValidationErrors()
        if not lines:
            errors.add("lines", "An order needs at least one line.", ErrorCode.REQUIRED)
        if len(lines) > MAX_LINES:
            errors.add("lines", f"At most {MAX_LINES} lines.")
        if expected_date is not None and expected_date < order_date:
            errors.add("expectedDate", "Expected on or after the order date.")
        notes = _text(errors, notes, "notes", TEXT_MAX)
        built: list[OrderLine] = []
        for i, line in enumerate(lines):
            check_product(
                errors, line.product_id, products, supplier.company_id, f"lines.{i}.productId"
            )
            check_quantity(errors, line.quantity, f"lines.{i}.quantity")
            check_price(errors, line.unit_price, f"lines.{i}.unitPrice")
            description = _text(errors, line.description, f"lines.{i}.description", TEXT_MAX)
            built.append(
                OrderLine(
                    id=uuid.uuid4(),
                    line_number=i + 1,
                    product_id=line.product_id,
                    description=description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    amount=ZERO,
                )
            )
        errors.raise_if_any()
        for made in built:
            made.amount = line_amount(made.quantity, made.unit_price)
        order = cls(
            id=uuid.uuid4(),
            company_id=supplier.company_id,
            supplier_id=supplier.id,
            number=number,
            order_date=order_date,
            expected_date=expected_date,
            warehouse_id=warehouse_id,
            currency_code=supplier.currency_code,
            status=OrderStatus.OPEN,
            notes=notes,
            lines=built,
            total=sum((made.amount for made in built), ZERO),
            created_at=now,
            created_by=actor,
            updated_at=now,
        )
        order.events.append(
            RecordedEvent(
                PURCHASE_ORDER_CREATED,
                PURCHASE_ORDER,
                order.id,
                {
                    "companyId": str(order.company_id),
                    "supplierId": str(order.supplier_id),
                    "number": number,
                    "total": _money(order.total),
                    "currencyCode": order.currency_code,
                },
                now,
            )
        )
        return order

    def cancel(self, now: datetime) -> dict[uuid.UUID, Decimal]:
        """Nothing more will arrive: returns per product what was still expected."""
        if self.status in (OrderStatus.RECEIVED, OrderStatus.CANCELLED):
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                f"Purchase order {self.number} is {self.status.value}: it cannot be cancelled.",
                "id",
            )
        expected: dict[uuid.UUID, Decimal] = {}
        for line in self.lines:
            if line.outstanding > 0:
                expected[line.product_id] = expected.get(line.product_id, ZERO) + line.outstanding
        self.status = OrderStatus.CANCELLED
        self.updated_at = now
        self.version += 1
        self.events.append(
            RecordedEvent(
                PURCHASE_ORDER_CANCELLED,
                PURCHASE_ORDER,
                self.id,
                {"companyId": str(self.company_id), "number": self.number},
                now,
            )
        )
        return expected

    def receive(self, quantities: Mapping[uuid.UUID, tuple[Decimal, str]], now: datetime) -> None:
        """Add received quantities per order line id (`(quantity, input path)`); more than is
        outstanding is refused."""
        if self.status in (OrderStatus.RECEIVED, OrderStatus.CANCELLED):
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                f"Purchase order {self.number} is {self.status.value}: nothing more to receive.",
                "purchaseOrderId",
            )
        by_id = {line.id: line for line in self.lines}
        errors = ValidationErrors()
        for line_id, (quantity, path) in quantities.items():
            line = by_id.get(line_id)
            if line is None:
                errors.add(path, "No such line on this purchase order.", ErrorCode.NOT_FOUND)
            elif quantity > line.outstanding:
                errors.add(
                    path,
                    f"Only {line.outstanding.normalize():f} of line {line.line_number} are "
                    "still to be received.",
                )
        errors.raise_if_any()
        for line_id, (quantity, _path) in quantities.items():
            by_id[line_id].received_quantity += quantity
        done = all(line.outstanding <= 0 for line in self.lines)
        self.status = OrderStatus.RECEIVED if done else OrderStatus.PARTIALLY_RECEIVED
        self.updated_at = now
        self.version += 1


# -- goods receipts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptLineInput:
    order_line_id: uuid.UUID
    quantity: Decimal


@dataclass
class ReceiptLine:
    id: uuid.UUID
    line_number: int
    order_line_id: uuid.UUID
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: Decimal
    unit_price: Decimal  # the order's price, document currency
    unit_cost: Decimal  # base currency per unit, what the stock came in at
    value: Decimal  # base currency booked to inventory (0 for a service product)
    billed_quantity: Decimal = ZERO
    billed_value: Decimal = ZERO  # of `value`, cleared from GRNI by bills so far

    @property
    def unbilled(self) -> Decimal:
        return self.quantity - self.billed_quantity


@dataclass
class GoodsReceipt:
    id: uuid.UUID
    company_id: uuid.UUID
    supplier_id: uuid.UUID
    order_id: uuid.UUID
    number: str
    receipt_date: date
    currency_code: str
    exchange_rate: Decimal
    notes: str | None
    lines: list[ReceiptLine]
    created_at: datetime
    created_by: uuid.UUID
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def create(
        cls,
        *,
        order: PurchaseOrder,
        number: str,
        receipt_date: date,
        exchange_rate: Decimal,
        warehouse_id: uuid.UUID,
        notes: str | None,
        lines: Sequence[ReceiptLineInput],
        actor: uuid.UUID,
        now: datetime,
    ) -> GoodsReceipt:
        """Validates the input and updates the order's received quantities; each line's cost is
        the order's price converted at `exchange_rate`."""
        errors = ValidationErrors()
        if not lines:
            errors.add("lines", "A receipt needs at least one line.", ErrorCode.REQUIRED)
        if receipt_date < order.order_date:
            errors.add("receiptDate", "Goods cannot arrive before they were ordered.")
        notes = _text(errors, notes, "notes", TEXT_MAX)
        seen: set[uuid.UUID] = set()
        for i, line in enumerate(lines):
            check_quantity(errors, line.quantity, f"lines.{i}.quantity")
            if line.order_line_id in seen:
                errors.add(f"lines.{i}.orderLineId", "Each order line at most once per receipt.")
            seen.add(line.order_line_id)
        errors.raise_if_any()
        order.receive(
            {
                line.order_line_id: (line.quantity, f"lines.{i}.quantity")
                for i, line in enumerate(lines)
            },
            now,
        )
        by_id = {line.id: line for line in order.lines}
        built = []
        for i, line in enumerate(lines):
            ordered = by_id[line.order_line_id]
            unit_cost = price_in_base(ordered.unit_price, exchange_rate)
            built.append(
                ReceiptLine(
                    id=uuid.uuid4(),
                    line_number=i + 1,
                    order_line_id=ordered.id,
                    product_id=ordered.product_id,
                    warehouse_id=warehouse_id,
                    quantity=line.quantity,
                    unit_price=ordered.unit_price,
                    unit_cost=unit_cost,
                    value=q4(line.quantity * unit_cost),
                )
            )
        receipt = cls(
            id=uuid.uuid4(),
            company_id=order.company_id,
            supplier_id=order.supplier_id,
            order_id=order.id,
            number=number,
            receipt_date=receipt_date,
            currency_code=order.currency_code,
            exchange_rate=exchange_rate,
            notes=notes,
            lines=built,
            created_at=now,
            created_by=actor,
        )
        return receipt

    def record_received(self, now: datetime) -> None:
        self.events.append(
            RecordedEvent(
                GOODS_RECEIVED,
                GOODS_RECEIPT,
                self.id,
                {
                    "companyId": str(self.company_id),
                    "supplierId": str(self.supplier_id),
                    "purchaseOrderId": str(self.order_id),
                    "number": self.number,
                    "lines": [
                        {
                            "productId": str(line.product_id),
                            "warehouseId": str(line.warehouse_id),
                            "quantity": format(line.quantity, "f"),
                            "value": _money(line.value),
                        }
                        for line in self.lines
                    ],
                },
                now,
            )
        )


# -- bills ---------------------------------------------------------------------------------------


class BillStatus(StrEnum):
    DRAFT = "draft"
    POSTED = "posted"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"


OPEN_BILL_STATUSES = (BillStatus.POSTED, BillStatus.PARTIALLY_PAID)


@dataclass(frozen=True)
class Tolerance:
    """How far a bill may stray from its receipt: unit price by `price_percent` of the receipt's
    price, quantity by `quantity_percent` above what was received and not yet billed."""

    price_percent: Decimal = Decimal(2)
    quantity_percent: Decimal = ZERO


@dataclass(frozen=True)
class BillLineInput:
    quantity: Decimal
    unit_price: Decimal
    receipt_line_id: uuid.UUID | None = None  # matched to a goods receipt line
    account_id: uuid.UUID | None = None  # an unmatched line: the expense account it books to
    product_id: uuid.UUID | None = None
    description: str | None = None
    tax_code: str | None = None  # a company tax code (domain.tax), e.g. SST10


@dataclass
class BillLine:
    id: uuid.UUID
    line_number: int
    receipt_line_id: uuid.UUID | None
    product_id: uuid.UUID | None
    account_id: uuid.UUID | None
    description: str | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal  # net of tax
    tax_code: str | None
    tax_rate: Decimal  # percent, as the code had it when the bill was made
    tax_amount: Decimal


@dataclass
class Bill:
    id: uuid.UUID
    company_id: uuid.UUID
    supplier_id: uuid.UUID
    number: str | None  # assigned on posting, gapless per company
    supplier_reference: str | None  # the supplier's own invoice number
    bill_date: date
    due_date: date
    currency_code: str
    exchange_rate: Decimal | None  # fixed on posting: the rate on the bill date
    status: BillStatus
    notes: str | None
    lines: list[BillLine]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    base_total: Decimal | None  # the AP booked, in base currency (on posting)
    amount_paid: Decimal
    amount_credited: Decimal
    journal_entry_id: uuid.UUID | None
    created_at: datetime
    created_by: uuid.UUID
    updated_at: datetime
    posted_at: datetime | None = None
    posted_by: uuid.UUID | None = None
    version: int = 1
    base_settled: Decimal = ZERO  # AP relieved so far in base currency (payments, credits)
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    @property
    def outstanding(self) -> Decimal:
        return self.total - self.amount_paid - self.amount_credited

    def relieve_base(self, amount: Decimal, base_currency: str, revalued: Decimal) -> Decimal:
        """AP relieved by settling `amount`, at the bill's carrying amount (`revalued`: its
        revaluation shares in force on the settlement date): the rest exactly when it settles
        the bill, so nothing stays behind in AP (`domain.accounting.carrying`)."""
        assert self.exchange_rate is not None and self.base_total is not None  # posted
        return relieved_base(
            amount=amount,
            amount_due=self.outstanding,
            base_due=self.base_total - self.base_settled,
            revalued=revalued,
            rate=self.exchange_rate,
            base_currency=base_currency,
        )

    @classmethod
    def create(
        cls,
        *,
        supplier: Supplier,
        supplier_reference: str | None,
        bill_date: date,
        due_date: date | None,
        notes: str | None,
        lines: Sequence[BillLineInput],
        receipt_lines: Mapping[uuid.UUID, tuple[GoodsReceipt, ReceiptLine]],
        products: Mapping[uuid.UUID, ProductFacts],
        tax_codes: Mapping[str, TaxCode],
        rounding: TaxRounding = TaxRounding.HALF_UP,
        expense_accounts_ok: Mapping[uuid.UUID, bool],
        tolerance: Tolerance,
        actor: uuid.UUID,
        now: datetime,
    ) -> Bill:
        company_id = supplier.company_id
        errors = ValidationErrors()
        if not lines:
            errors.add("lines", "A bill needs at least one line.", ErrorCode.REQUIRED)
        if len(lines) > MAX_LINES:
            errors.add("lines", f"At most {MAX_LINES} lines.")
        reference = _text(errors, supplier_reference, "supplierReference", REFERENCE_MAX)
        notes = _text(errors, notes, "notes", TEXT_MAX)
        due = due_date or bill_date + timedelta(days=supplier.payment_terms_days)
        if due < bill_date:
            errors.add("dueDate", "Due on or after the bill date.")
        built: list[BillLine] = []
        billing: dict[uuid.UUID, Decimal] = {}  # receipt line -> quantity billed by this bill
        for i, line in enumerate(lines):
            path = f"lines.{i}"
            check_quantity(errors, line.quantity, f"{path}.quantity")
            check_price(errors, line.unit_price, f"{path}.unitPrice")
            description = _text(errors, line.description, f"{path}.description", TEXT_MAX)
            product_id = line.product_id
            if line.receipt_line_id is not None:
                matched = receipt_lines.get(line.receipt_line_id)
                if matched is None or matched[0].company_id != company_id:
                    errors.add(
                        f"{path}.receiptLineId", "No such goods receipt line.", ErrorCode.NOT_FOUND
                    )
                else:
                    receipt, received = matched
                    if receipt.supplier_id != supplier.id:
                        errors.add(
                            f"{path}.receiptLineId",
                            f"Receipt {receipt.number} is from another supplier.",
                        )
                    product_id = received.product_id
                    billing[received.id] = billing.get(received.id, ZERO) + line.quantity
                    _match(errors, path, line, received, billing[received.id], tolerance)
            elif line.account_id is None:
                errors.add(
                    f"{path}.accountId",
                    "A line not matched to a receipt needs the account it books to.",
                    ErrorCode.REQUIRED,
                )
            elif not expense_accounts_ok.get(line.account_id, False):
                errors.add(
                    f"{path}.accountId",
                    "No such active account in this company.",
                    ErrorCode.NOT_FOUND,
                )
            if line.product_id is not None and line.receipt_line_id is None:
                check_product(errors, line.product_id, products, company_id, f"{path}.productId")
            tax: TaxCode | None = None
            if line.tax_code is not None:
                tax = tax_codes.get(line.tax_code.strip().upper())
                if tax is None or not tax.is_active:
                    errors.add(f"{path}.taxCode", "No such active tax code.", ErrorCode.NOT_FOUND)
                    tax = None
            built.append(
                BillLine(
                    id=uuid.uuid4(),
                    line_number=i + 1,
                    receipt_line_id=line.receipt_line_id,
                    product_id=product_id,
                    account_id=line.account_id if line.receipt_line_id is None else None,
                    description=description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    amount=ZERO,
                    tax_code=tax.code if tax else None,
                    tax_rate=tax.rate if tax else ZERO,
                    tax_amount=ZERO,
                )
            )
        errors.raise_if_any()
        for b, line in zip(built, lines, strict=True):
            b.amount = line_amount(b.quantity, b.unit_price)
            code = tax_codes.get(line.tax_code.strip().upper()) if line.tax_code else None
            b.tax_amount = line_tax(b.amount, code, rounding)  # per line, the company's rule
        subtotal = sum((b.amount for b in built), ZERO)
        tax_total = sum((b.tax_amount for b in built), ZERO)
        bill = cls(
            id=uuid.uuid4(),
            company_id=company_id,
            supplier_id=supplier.id,
            number=None,
            supplier_reference=reference,
            bill_date=bill_date,
            due_date=due,
            currency_code=supplier.currency_code,
            exchange_rate=None,
            status=BillStatus.DRAFT,
            notes=notes,
            lines=built,
            subtotal=subtotal,
            tax_total=tax_total,
            total=subtotal + tax_total,
            base_total=None,
            amount_paid=ZERO,
            amount_credited=ZERO,
            journal_entry_id=None,
            created_at=now,
            created_by=actor,
            updated_at=now,
        )
        bill._record(BILL_CREATED, now)
        return bill

    def check_matches(
        self,
        receipt_lines: Mapping[uuid.UUID, tuple[GoodsReceipt, ReceiptLine]],
        tolerance: Tolerance,
    ) -> None:
        """Before posting, against the receipts as they are now (another bill may have billed
        the same receipt since this draft was made)."""
        errors = ValidationErrors()
        billing: dict[uuid.UUID, Decimal] = {}
        for i, line in enumerate(self.lines):
            if line.receipt_line_id is None:
                continue
            _receipt, received = receipt_lines[line.receipt_line_id]
            billing[received.id] = billing.get(received.id, ZERO) + line.quantity
            as_input = BillLineInput(quantity=line.quantity, unit_price=line.unit_price)
            _match(errors, f"lines.{i}", as_input, received, billing[received.id], tolerance)
        errors.raise_if_any()

    def ensure_draft(self) -> None:
        if self.status is not BillStatus.DRAFT:
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                f"Bill {self.number} is already {self.status.value}: it cannot be posted again.",
                "id",
            )

    def post(
        self,
        *,
        number: str,
        exchange_rate: Decimal,
        base_currency: str,
        actor: uuid.UUID,
        now: datetime,
    ) -> None:
        self.ensure_draft()
        self.status = BillStatus.POSTED
        self.number = number
        self.exchange_rate = exchange_rate
        self.base_total = base_amount(self.total, exchange_rate, base_currency)
        self.posted_at, self.posted_by, self.updated_at = now, actor, now
        self.version += 1
        self._record(BILL_POSTED, now)

    def void(self, now: datetime) -> None:
        """A draft that will not be posted (a posted bill is corrected by a supplier credit)."""
        if self.status is not BillStatus.DRAFT:
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                f"Bill {self.number} is {self.status.value}: only a draft can be voided "
                "(issue a supplier credit instead).",
                "id",
            )
        self.status = BillStatus.VOID
        self.updated_at = now
        self.version += 1
        self._record(BILL_VOIDED, now)

    def settle(
        self,
        *,
        paid: Decimal = ZERO,
        credited: Decimal = ZERO,
        base: Decimal = ZERO,
        now: datetime,
    ) -> None:
        self.amount_paid += paid
        self.amount_credited += credited
        self.base_settled += base
        if self.outstanding <= 0:
            self.status = BillStatus.PAID
        elif self.amount_paid > 0 or self.amount_credited > 0:
            self.status = BillStatus.PARTIALLY_PAID
        self.updated_at = now
        self.version += 1

    def _record(self, event_type: str, now: datetime) -> None:
        self.events.append(
            RecordedEvent(
                event_type,
                BILL,
                self.id,
                {
                    "companyId": str(self.company_id),
                    "supplierId": str(self.supplier_id),
                    "number": self.number,
                    "status": self.status.value,
                    "total": _money(self.total),
                    "currencyCode": self.currency_code,
                    "dueDate": self.due_date.isoformat(),
                },
                now,
            )
        )


def _match(
    errors: ValidationErrors,
    path: str,
    line: BillLineInput,
    received: ReceiptLine,
    billed_by_this_bill: Decimal,
    tolerance: Tolerance,
) -> None:
    allowed = received.unbilled * (1 + tolerance.quantity_percent / HUNDRED)
    if billed_by_this_bill > allowed:
        errors.add(
            f"{path}.quantity",
            f"Bills {billed_by_this_bill.normalize():f} but only "
            f"{received.unbilled.normalize():f} were received and not yet billed "
            f"(tolerance {tolerance.quantity_percent.normalize():f}%).",
        )
    price_gap = abs(line.unit_price - received.unit_price)
    if price_gap > received.unit_price * tolerance.price_percent / HUNDRED:
        errors.add(
            f"{path}.unitPrice",
            f"Unit price {line.unit_price.normalize():f} differs from the received "
            f"{received.unit_price.normalize():f} by more than "
            f"{tolerance.price_percent.normalize():f}%.",
        )


# -- payments made -------------------------------------------------------------------------------

PAYMENT_KIND = "payment"
ADVANCE_APPLIED_KIND = "advance_applied"


@dataclass(frozen=True)
class AllocationInput:
    bill_id: uuid.UUID
    amount: Decimal


@dataclass(frozen=True)
class Allocation:
    bill_id: uuid.UUID
    amount: Decimal  # document currency
    bill_rate: Decimal  # the rate the bill booked its AP at
    base_cleared: Decimal  # AP cleared in base currency (at the bill's rate)
    base_paid: Decimal  # what it cost in base currency (at the payment's rate)


@dataclass
class SupplierPayment:
    id: uuid.UUID
    company_id: uuid.UUID
    supplier_id: uuid.UUID
    number: str
    payment_date: date
    currency_code: str
    exchange_rate: Decimal
    amount: Decimal
    bank_account_id: uuid.UUID
    reference: str | None
    allocations: list[Allocation]
    unallocated: Decimal  # an advance to the supplier
    journal_entry_id: uuid.UUID | None
    created_at: datetime
    created_by: uuid.UUID
    kind: str = PAYMENT_KIND
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    @property
    def realized_fx(self) -> Decimal:
        """Base currency paid beyond the AP it cleared: > 0 a loss, < 0 a gain."""
        return sum((a.base_paid - a.base_cleared for a in self.allocations), ZERO)

    @classmethod
    def make(
        cls,
        *,
        supplier: Supplier,
        number: str,
        payment_date: date,
        exchange_rate: Decimal,
        amount: Decimal,
        bank_account_id: uuid.UUID,
        reference: str | None,
        allocations: Sequence[AllocationInput],
        bills: Mapping[uuid.UUID, Bill],
        base_currency: str,
        actor: uuid.UUID,
        now: datetime,
        kind: str = PAYMENT_KIND,
        revalued: Mapping[uuid.UUID, Decimal] | None = None,
    ) -> SupplierPayment:
        errors = ValidationErrors()
        if not _fits(amount) or amount <= 0:
            errors.add("amount", "A payment is an amount greater than zero (4 places at most).")
        reference = _text(errors, reference, "reference", REFERENCE_MAX)
        allocated = ZERO
        built: list[Allocation] = []
        seen: set[uuid.UUID] = set()
        for i, a in enumerate(allocations):
            path = f"allocations.{i}"
            bill = bills.get(a.bill_id)
            if not _fits(a.amount) or a.amount <= 0:
                errors.add(f"{path}.amount", "An allocation is an amount greater than zero.")
                continue
            if bill is None or bill.company_id != supplier.company_id:
                errors.add(f"{path}.billId", "Bill not found.", ErrorCode.NOT_FOUND)
                continue
            if a.bill_id in seen:
                errors.add(f"{path}.billId", "Each bill at most once per payment.")
                continue
            seen.add(a.bill_id)
            if bill.supplier_id != supplier.id:
                errors.add(f"{path}.billId", "The bill is from another supplier.")
                continue
            if bill.status not in OPEN_BILL_STATUSES:
                errors.add(
                    f"{path}.billId",
                    f"Bill {bill.number or '(draft)'} is {bill.status.value}: nothing to pay.",
                    ErrorCode.INVALID_STATE,
                )
                continue
            if a.amount > bill.outstanding:
                errors.add(
                    f"{path}.amount",
                    f"Bill {bill.number} has only {_money(bill.outstanding)} "
                    f"{bill.currency_code} outstanding.",
                    ErrorCode.LIMIT_EXCEEDED,
                )
                continue
            allocated += a.amount
            assert bill.exchange_rate is not None  # posted bills have one
            built.append(
                Allocation(
                    bill_id=bill.id,
                    amount=a.amount,
                    bill_rate=bill.exchange_rate,
                    base_cleared=bill.relieve_base(
                        a.amount, base_currency, (revalued or {}).get(bill.id, ZERO)
                    ),
                    base_paid=base_amount(a.amount, exchange_rate, base_currency),
                )
            )
        if _fits(amount) and allocated > amount:
            errors.add(
                "allocations",
                f"Allocations total {_money(allocated)}, more than the payment's {_money(amount)}.",
                ErrorCode.LIMIT_EXCEEDED,
            )
        errors.raise_if_any()
        payment = cls(
            id=uuid.uuid4(),
            company_id=supplier.company_id,
            supplier_id=supplier.id,
            number=number,
            payment_date=payment_date,
            currency_code=supplier.currency_code,
            exchange_rate=exchange_rate,
            amount=amount,
            bank_account_id=bank_account_id,
            reference=reference,
            allocations=built,
            unallocated=amount - allocated,
            journal_entry_id=None,
            created_at=now,
            created_by=actor,
            kind=kind,
        )
        for allocation in built:
            bills[allocation.bill_id].settle(
                paid=allocation.amount, base=allocation.base_cleared, now=now
            )
        payment.events.append(
            RecordedEvent(
                SUPPLIER_PAYMENT_MADE if kind == PAYMENT_KIND else SUPPLIER_ADVANCE_APPLIED,
                SUPPLIER_PAYMENT,
                payment.id,
                {
                    "companyId": str(payment.company_id),
                    "supplierId": str(payment.supplier_id),
                    "number": number,
                    "amount": _money(amount),
                    "currencyCode": payment.currency_code,
                    "allocations": [
                        {"billId": str(a.bill_id), "amount": _money(a.amount)} for a in built
                    ],
                    "unallocated": _money(payment.unallocated),
                },
                now,
            )
        )
        return payment

    @classmethod
    def apply_advance(
        cls,
        *,
        supplier: Supplier,
        bill: Bill,
        number: str,
        day: date,
        amount: Decimal,
        available: BalanceChange,
        advances_account_id: uuid.UUID,
        base_currency: str,
        actor: uuid.UUID,
        now: datetime,
        revalued: Decimal = ZERO,
    ) -> SupplierPayment:
        """Money paid ahead (the supplier's advance) settles `amount` of a bill. It leaves
        the advances account at the advance's average booked rate; the bill's AP is cleared at
        the bill's rate; the difference is realized FX."""
        if not _fits(amount) or amount <= 0:
            raise DomainError.single(
                ErrorCode.INVALID, "An amount greater than zero (4 places at most).", "amount"
            )
        if bill.company_id != supplier.company_id or bill.supplier_id != supplier.id:
            raise DomainError.single(
                ErrorCode.NOT_FOUND, "No such bill of this supplier.", "billId"
            )
        if bill.status not in OPEN_BILL_STATUSES:
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                f"Bill {bill.number or '(draft)'} is {bill.status.value}: nothing to settle.",
                "billId",
            )
        if amount > bill.outstanding:
            raise DomainError.single(
                ErrorCode.LIMIT_EXCEEDED,
                f"Bill {bill.number} has only {_money(bill.outstanding)} outstanding.",
                "amount",
            )
        if amount > available.advance:
            raise DomainError.single(
                ErrorCode.LIMIT_EXCEEDED,
                f"The supplier's advance is only {_money(available.advance)} "
                f"{supplier.currency_code}.",
                "amount",
            )
        if day < bill.bill_date:
            raise DomainError.single(
                ErrorCode.INVALID, "An advance cannot settle a bill before its date.", "date"
            )
        with localcontext() as ctx:
            ctx.prec = 60
            rate = (available.base_advance / available.advance).quantize(RATE_QUANTUM)
        return cls.make(
            supplier=supplier,
            number=number,
            payment_date=day,
            exchange_rate=rate,
            amount=amount,
            bank_account_id=advances_account_id,
            reference=None,
            allocations=[AllocationInput(bill_id=bill.id, amount=amount)],
            bills={bill.id: bill},
            base_currency=base_currency,
            actor=actor,
            now=now,
            kind=ADVANCE_APPLIED_KIND,
            revalued={bill.id: revalued},
        )


# -- supplier credits ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditLineInput:
    bill_line_id: uuid.UUID
    quantity: Decimal
    return_stock: bool = False  # send the goods back: stock goes out of the receipt's warehouse


@dataclass(frozen=True)
class CreditLine:
    id: uuid.UUID
    line_number: int
    bill_line_id: uuid.UUID
    product_id: uuid.UUID | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal  # net
    tax_amount: Decimal
    return_stock: bool
    warehouse_id: uuid.UUID | None


@dataclass
class SupplierCredit:
    id: uuid.UUID
    company_id: uuid.UUID
    supplier_id: uuid.UUID
    bill_id: uuid.UUID
    number: str
    credit_date: date
    currency_code: str
    exchange_rate: Decimal  # the bill's: the credit reverses what the bill booked
    reason: str | None
    lines: list[CreditLine]
    total: Decimal
    journal_entry_id: uuid.UUID | None
    created_at: datetime
    created_by: uuid.UUID
    # AP relieved in base currency: the bill's carrying amount for the credited part (its
    # revaluations in force included); the entry books it, it is not stored on the credit.
    base_relieved: Decimal = ZERO
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def issue(
        cls,
        *,
        bill: Bill,
        number: str,
        credit_date: date,
        reason: str | None,
        lines: Sequence[CreditLineInput],
        credited_quantities: Mapping[uuid.UUID, Decimal],
        receipt_warehouses: Mapping[uuid.UUID, uuid.UUID],
        actor: uuid.UUID,
        now: datetime,
        base_currency: str,
        revalued: Decimal = ZERO,
    ) -> SupplierCredit:
        """A credit for part of a bill's lines. `credited_quantities`: per bill line, what
        earlier credits took back; `receipt_warehouses`: per receipt line, where it went;
        `revalued`: the bill's revaluation shares in force on the credit date."""
        errors = ValidationErrors()
        if bill.status not in (*OPEN_BILL_STATUSES, BillStatus.PAID):
            raise DomainError.single(
                ErrorCode.INVALID_STATE, "Only a posted bill can be credited.", "billId"
            )
        if credit_date < bill.bill_date:
            errors.add("creditDate", "A credit cannot precede its bill.")
        if not lines:
            errors.add("lines", "A credit needs at least one line.", ErrorCode.REQUIRED)
        reason = _text(errors, reason, "reason", TEXT_MAX)
        by_id = {line.id: line for line in bill.lines}
        built: list[CreditLine] = []
        taking: dict[uuid.UUID, Decimal] = {}
        for i, line in enumerate(lines):
            path = f"lines.{i}"
            check_quantity(errors, line.quantity, f"{path}.quantity")
            billed = by_id.get(line.bill_line_id)
            if billed is None:
                errors.add(f"{path}.billLineId", "No such line on the bill.", ErrorCode.NOT_FOUND)
                continue
            taking[billed.id] = taking.get(billed.id, ZERO) + line.quantity
            left = billed.quantity - credited_quantities.get(billed.id, ZERO)
            if taking[billed.id] > left:
                errors.add(
                    f"{path}.quantity",
                    f"Only {left.normalize():f} of bill line {billed.line_number} can still be "
                    "credited.",
                    ErrorCode.LIMIT_EXCEEDED,
                )
            warehouse = (
                receipt_warehouses.get(billed.receipt_line_id) if billed.receipt_line_id else None
            )
            if line.return_stock and warehouse is None:
                errors.add(
                    f"{path}.returnStock",
                    "Only goods that were received into stock can be returned.",
                )
            amount = line_amount(line.quantity, billed.unit_price)
            built.append(
                CreditLine(
                    id=uuid.uuid4(),
                    line_number=i + 1,
                    bill_line_id=billed.id,
                    product_id=billed.product_id,
                    quantity=line.quantity,
                    unit_price=billed.unit_price,
                    amount=amount,
                    tax_amount=_credit_tax(amount, billed),
                    return_stock=line.return_stock,
                    warehouse_id=warehouse if line.return_stock else None,
                )
            )
        errors.raise_if_any()
        total = sum((c.amount + c.tax_amount for c in built), ZERO)
        if total > bill.outstanding:
            raise DomainError.single(
                ErrorCode.LIMIT_EXCEEDED,
                f"The credit ({_money(total)}) is more than the bill's outstanding "
                f"{_money(bill.outstanding)}.",
                "lines",
            )
        assert bill.exchange_rate is not None
        credit = cls(
            id=uuid.uuid4(),
            company_id=bill.company_id,
            supplier_id=bill.supplier_id,
            bill_id=bill.id,
            number=number,
            credit_date=credit_date,
            currency_code=bill.currency_code,
            exchange_rate=bill.exchange_rate,
            reason=reason,
            lines=built,
            total=total,
            journal_entry_id=None,
            created_at=now,
            created_by=actor,
            base_relieved=bill.relieve_base(total, base_currency, revalued),
        )
        bill.settle(credited=total, base=credit.base_relieved, now=now)
        credit.events.append(
            RecordedEvent(
                SUPPLIER_CREDIT_ISSUED,
                SUPPLIER_CREDIT,
                credit.id,
                {
                    "companyId": str(credit.company_id),
                    "supplierId": str(credit.supplier_id),
                    "billId": str(bill.id),
                    "number": number,
                    "total": _money(total),
                    "currencyCode": credit.currency_code,
                },
                now,
            )
        )
        return credit


def _credit_tax(amount: Decimal, billed: BillLine) -> Decimal:
    """The tax the bill line charged on this part of it (the whole line: exactly its tax)."""
    if amount == billed.amount:
        return billed.tax_amount
    return q4(billed.tax_amount * amount / billed.amount) if billed.amount else ZERO


# -- the supplier's balance (AP sub-ledger) ------------------------------------------------------


@dataclass(frozen=True)
class BalanceChange:
    """What a document changes in a supplier's balance: `payable` is open bills (document
    currency), `base_payable` the AP control account's share (base currency); `advance` /
    `base_advance` money paid ahead (the advances account's share)."""

    payable: Decimal = ZERO
    base_payable: Decimal = ZERO
    advance: Decimal = ZERO
    base_advance: Decimal = ZERO


@dataclass(frozen=True)
class PurchasingAccounts:
    """The accounts purchasing books to (company settings; default by chart code)."""

    payable: uuid.UUID  # 2100 Trade Payables
    goods_received: uuid.UUID  # 2120 Goods Received Not Invoiced
    advances: uuid.UUID  # 1230 Advances to Suppliers
    purchases: uuid.UUID  # 5100 Purchases: price differences, tax on stock lines
    fx_gain: uuid.UUID  # 4920
    fx_loss: uuid.UUID  # 6800
    bank: uuid.UUID  # 1110 Cash at Bank: default account payments are made from


DEFAULT_ACCOUNT_CODES = {
    "payable": "2100",
    "goods_received": "2120",
    "advances": "1230",
    "purchases": "5100",
    "fx_gain": "4920",
    "fx_loss": "6800",
    "bank": "1110",
}


def check_tolerance(errors: ValidationErrors, value: Decimal | None, path: str) -> None:
    if value is not None and (not _fits(value) or not ZERO <= value <= TOLERANCE_MAX):
        errors.add(path, "A percentage between 0 and 100.")
