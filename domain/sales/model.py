"""Sales: customers, sales documents (quotation, sales order, delivery, invoice, credit and debit
notes) and payments received, with their invariants and posting rules.

Money is Decimal. A document's amounts are in its currency; `exchange_rate` converts them to the
company's base currency (the company's rate in force on the document date). Line amounts are
rounded to the currency's minor units (half-up); tax per line with `domain.tax.model.line_tax`.

Errors name the input field at fault as the client spelled it: `items.2.quantity` is the third
item's quantity (items are numbered from 0, as the client's list is).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from domain.accounting.carrying import relieved_base
from domain.accounting.conversion import allocate
from domain.accounting.model import AMOUNT_QUANTUM, LineInput, base_amount
from domain.party import CODE_MAX, CODE_PATTERN, NAME_MAX, PAYMENT_TERMS_MAX
from domain.sales.events import (
    CREDIT_NOTE_ISSUED,
    CUSTOMER_CREATED,
    CUSTOMER_UPDATED,
    DEBIT_NOTE_ISSUED,
    DELIVERY_POSTED,
    INVOICE_CREATED,
    INVOICE_POSTED,
    INVOICE_SETTLED,
    INVOICE_VOIDED,
    QUOTATION_CREATED,
    SALES_ORDER_CREATED,
)
from domain.shared.currency import is_currency_code
from domain.shared.errors import DomainError, ErrorCode, ValidationErrors
from domain.shared.events import RecordedEvent
from domain.shared.money import STORAGE_MAX, has_places, round_to_minor_unit
from domain.tax.model import TaxCode, TaxRounding, line_tax

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CUSTOMER = "Customer"
SALES_DOCUMENT = "SalesDocument"
PAYMENT = "CustomerPayment"

TAX_ID_MAX = 30
TAX_ID_PATTERN = re.compile(r"^[A-Za-z0-9-]+$")
REGISTRATION_MAX = 50
NOTES_MAX = 2000
REFERENCE_MAX = 100
DESCRIPTION_MAX = 500
MAX_ITEMS = 500
MAX_ALLOCATIONS = 200
QUANTITY_QUANTUM = Decimal("0.0001")
AMOUNT_MAX = STORAGE_MAX


class DocumentKind(StrEnum):
    QUOTATION = "quotation"
    SALES_ORDER = "sales_order"
    DELIVERY = "delivery"
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    DEBIT_NOTE = "debit_note"

    @property
    def prefix(self) -> str:
        return _PREFIXES[self]

    @property
    def receivable(self) -> bool:
        """Documents a customer owes (payments are allocated to them)."""
        return self in (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE)


_PREFIXES = {
    DocumentKind.QUOTATION: "QT",
    DocumentKind.SALES_ORDER: "SO",
    DocumentKind.DELIVERY: "DO",
    DocumentKind.INVOICE: "INV",
    DocumentKind.CREDIT_NOTE: "CN",
    DocumentKind.DEBIT_NOTE: "DN",
}


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"  # quotation / sales order waiting for the next step
    CONVERTED = "converted"  # quotation turned into a sales order
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    INVOICED = "invoiced"  # a delivery billed
    POSTED = "posted"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"


class PaymentKind(StrEnum):
    RECEIPT = "receipt"
    REFUND = "refund"

    @property
    def prefix(self) -> str:
        return "OR" if self is PaymentKind.RECEIPT else "RF"


def format_number(prefix: str, value: int) -> str:
    return f"{prefix}-{value:06d}"


class Problems(ValidationErrors):
    """ValidationErrors that can tell whether any problem was found yet."""

    def __bool__(self) -> bool:
        return bool(self._errors)


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


# -- idempotency ---------------------------------------------------------------------------------

IDEMPOTENCY_KEY_MAX = 200


def fingerprint(content: Any) -> str:
    """What makes two requests with one idempotency key "the same request"."""
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX:
        raise DomainError.single(
            ErrorCode.INVALID,
            f"An idempotency key has 1 to {IDEMPOTENCY_KEY_MAX} characters.",
            "idempotencyKey",
        )
    return key


# -- accounts ------------------------------------------------------------------------------------


class AccountRole(StrEnum):
    """What a sales posting books to; each has a default account code in the chart template and
    may be mapped to another account per company (sales_account_settings)."""

    RECEIVABLE = "receivable"
    SALES = "sales"
    SERVICE = "service"
    RETURNS = "returns"
    TAX = "tax"
    ADVANCES = "advances"
    FX_GAIN = "fx_gain"
    FX_LOSS = "fx_loss"
    COGS = "cogs"


DEFAULT_ACCOUNT_CODES: Mapping[AccountRole, str] = {
    AccountRole.RECEIVABLE: "1200",
    AccountRole.SALES: "4100",
    AccountRole.SERVICE: "4110",
    AccountRole.RETURNS: "4120",
    AccountRole.TAX: "2200",
    AccountRole.ADVANCES: "2130",
    AccountRole.FX_GAIN: "4920",
    AccountRole.FX_LOSS: "6800",
    AccountRole.COGS: "5110",
}


ROLE_ACCOUNT_TYPES: Mapping[AccountRole, str] = {
    AccountRole.RECEIVABLE: "asset",
    AccountRole.SALES: "revenue",
    AccountRole.SERVICE: "revenue",
    AccountRole.RETURNS: "revenue",
    AccountRole.TAX: "liability",
    AccountRole.ADVANCES: "liability",
    AccountRole.FX_GAIN: "revenue",
    AccountRole.FX_LOSS: "expense",
    AccountRole.COGS: "expense",
}


@dataclass(frozen=True)
class SalesAccounts:
    by_role: Mapping[AccountRole, uuid.UUID]

    def __getitem__(self, role: AccountRole) -> uuid.UUID:
        account = self.by_role.get(role)
        if account is None:
            code = DEFAULT_ACCOUNT_CODES[role]
            raise DomainError.single(
                ErrorCode.INVALID,
                f"The company has no account for {role.value} (default code {code}); add the "
                f"account or map the role to one.",
                "companyId",
            )
        return account


def resolve_accounts(
    chart_by_code: Mapping[str, uuid.UUID], overrides: Mapping[str, uuid.UUID]
) -> SalesAccounts:
    return SalesAccounts(
        {
            role: overrides.get(role.value) or chart_by_code.get(code)  # type: ignore[misc]
            for role, code in DEFAULT_ACCOUNT_CODES.items()
            if overrides.get(role.value) or chart_by_code.get(code)
        }
    )


# -- customers -----------------------------------------------------------------------------------

CUSTOMER_FIELDS = {
    "code": "code",
    "name": "name",
    "tax_id": "taxId",
    "registration_number": "registrationNumber",
    "email": "email",
    "phone": "phone",
    "addresses": "addresses",
    "contacts": "contacts",
    "currency_code": "currencyCode",
    "payment_terms_days": "paymentTermsDays",
    "credit_limit": "creditLimit",
    "is_active": "isActive",
}


@dataclass
class Customer:
    id: uuid.UUID
    company_id: uuid.UUID
    code: str
    name: str
    tax_id: str | None
    registration_number: str | None
    email: str | None
    phone: str | None
    addresses: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
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
    ) -> Customer:
        customer = cls(
            id=uuid.uuid4(),
            company_id=company_id,
            code=(values.get("code") or "").strip(),
            name=(values.get("name") or "").strip(),
            tax_id=_text(values.get("tax_id")),
            registration_number=_text(values.get("registration_number")),
            email=_text(values.get("email")),
            phone=_text(values.get("phone")),
            addresses=list(values.get("addresses") or []),
            contacts=list(values.get("contacts") or []),
            currency_code=(values.get("currency_code") or "").strip().upper(),
            payment_terms_days=int(values.get("payment_terms_days", 30)),
            credit_limit=values.get("credit_limit"),
            is_active=bool(values.get("is_active", True)),
            created_at=now,
            updated_at=now,
            created_by=actor,
            updated_by=actor,
        )
        customer._validate()
        customer.events.append(customer._event(CUSTOMER_CREATED, now))
        return customer

    def update(
        self,
        *,
        expected_version: int,
        changes: Mapping[str, Any],
        actor: uuid.UUID,
        now: datetime,
    ) -> None:
        if expected_version != self.version:
            raise DomainError.single(
                ErrorCode.CONFLICT,
                "Customer was changed by someone else; reload it and try again.",
                "version",
            )
        changed = False
        for name, value in changes.items():
            if name not in CUSTOMER_FIELDS:
                continue
            if name in ("code", "name", "currency_code"):
                value = (value or "").strip()
                value = value.upper() if name == "currency_code" else value
            elif name in ("tax_id", "registration_number", "email", "phone"):
                value = _text(value)
            if getattr(self, name) != value:
                setattr(self, name, value)
                changed = True
        if not changed:
            return
        self._validate()
        self.version += 1
        self.updated_at, self.updated_by = now, actor
        self.events.append(self._event(CUSTOMER_UPDATED, now))

    def _validate(self) -> None:
        errors = ValidationErrors()
        if not self.code:
            errors.add("code", "A customer code is required.", ErrorCode.REQUIRED)
        elif len(self.code) > CODE_MAX or not CODE_PATTERN.match(self.code):
            errors.add(
                "code",
                f"A code has up to {CODE_MAX} letters, digits, '.', '_', '/' or '-'.",
            )
        if not self.name:
            errors.add("name", "A customer name is required.", ErrorCode.REQUIRED)
        elif len(self.name) > NAME_MAX:
            errors.add("name", f"A name has at most {NAME_MAX} characters.")
        if self.tax_id is not None and (
            len(self.tax_id) > TAX_ID_MAX or not TAX_ID_PATTERN.match(self.tax_id)
        ):
            errors.add("taxId", "A tax id (TIN) has up to 30 letters, digits or '-'.")
        if self.registration_number is not None and len(self.registration_number) > 50:
            errors.add("registrationNumber", "A registration number has at most 50 characters.")
        if self.email is not None and ("@" not in self.email or len(self.email) > 255):
            errors.add("email", "Not an email address.")
        if not is_currency_code(self.currency_code):
            errors.add("currencyCode", f"'{self.currency_code}' is not an ISO 4217 currency.")
        if not 0 <= self.payment_terms_days <= PAYMENT_TERMS_MAX:
            errors.add("paymentTermsDays", f"Payment terms are 0 to {PAYMENT_TERMS_MAX} days.")
        if self.credit_limit is not None and (
            self.credit_limit < 0
            or self.credit_limit > AMOUNT_MAX
            or not has_places(self.credit_limit, AMOUNT_QUANTUM)
        ):
            errors.add("creditLimit", "A credit limit is a non-negative amount (4 places).")
        errors.raise_if_any()

    def snapshot(self) -> dict[str, Any]:
        return {
            "companyId": str(self.company_id),
            "customerId": str(self.id),
            "id": str(self.id),
            "code": self.code,
            "name": self.name,
            # Encrypted at rest; events reach the outbox, subscribers, logs and the audit log, so
            # they say whether a tax id is set, never what it is (as companies' tax numbers).
            "taxId": None if self.tax_id is None else {"redacted": True},
            "currencyCode": self.currency_code,
            "paymentTermsDays": self.payment_terms_days,
            "creditLimit": None if self.credit_limit is None else str(self.credit_limit),
            "isActive": self.is_active,
            "version": self.version,
        }

    def _event(self, event_type: str, now: datetime) -> RecordedEvent:
        return RecordedEvent(event_type, CUSTOMER, self.id, self.snapshot(), now)


# -- lines ---------------------------------------------------------------------------------------


class ProductView(Protocol):
    """What sales reads of a product (the inventory context's Product satisfies it)."""

    @property
    def company_id(self) -> uuid.UUID: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def is_stocked(self) -> bool: ...
    @property
    def name(self) -> str: ...
    @property
    def selling_price(self) -> Decimal | None: ...


@dataclass(frozen=True)
class ItemInput:
    """One item as the client sent it: a product or free text."""

    product_id: uuid.UUID | None
    quantity: Decimal
    unit_price: Decimal | None = None  # None: the product's selling price
    description: str | None = None
    discount_percent: Decimal = ZERO
    tax_code: str | None = None
    warehouse_id: uuid.UUID | None = None


@dataclass
class SalesLine:
    line_number: int  # 1-based
    product_id: uuid.UUID | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_code: str | None
    tax_rate: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    line_total: Decimal
    revenue_account_id: uuid.UUID | None = None
    tax_account_id: uuid.UUID | None = None
    warehouse_id: uuid.UUID | None = None
    source_line_number: int | None = None
    # The cost the books carry for the goods the line moved: the value of `stock_movement_id`,
    # followed when a back-dated movement re-values it (the stock repository keeps it so).
    cost_amount: Decimal = ZERO
    fulfilled_quantity: Decimal = ZERO
    stock_movement_id: uuid.UUID | None = None  # the movement that took (or returned) the goods
    is_stocked: bool = False  # not stored: known from the product when the document is built

    @property
    def open_quantity(self) -> Decimal:
        return self.quantity - self.fulfilled_quantity


def price_line(
    *,
    line_number: int,
    currency: str,
    product_id: uuid.UUID | None,
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    discount_percent: Decimal,
    tax: TaxCode | None,
    rounding: TaxRounding,
    revenue_account_id: uuid.UUID | None,
    warehouse_id: uuid.UUID | None,
    is_stocked: bool,
    source_line_number: int | None = None,
) -> SalesLine:
    gross = quantity * unit_price
    net = round_to_minor_unit(gross - gross * discount_percent / HUNDRED, currency)
    tax_amount = line_tax(net, tax, rounding) if tax is not None else ZERO
    return SalesLine(
        line_number=line_number,
        product_id=product_id,
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        discount_percent=discount_percent,
        tax_code=tax.code if tax else None,
        tax_rate=tax.rate if tax else ZERO,
        net_amount=net,
        tax_amount=tax_amount,
        line_total=net + tax_amount,
        revenue_account_id=revenue_account_id,
        tax_account_id=tax.account_id if tax else None,
        warehouse_id=warehouse_id,
        source_line_number=source_line_number,
        is_stocked=is_stocked,
    )


def build_lines(
    items: Sequence[ItemInput],
    *,
    company_id: uuid.UUID,
    currency: str,
    products: Mapping[uuid.UUID, ProductView],
    tax_codes: Mapping[str, TaxCode],
    accounts: SalesAccounts | None,
    default_warehouse: uuid.UUID | None,
    require_warehouse: bool,
    rounding: TaxRounding = TaxRounding.HALF_UP,
    field_prefix: str = "items",
) -> list[SalesLine]:
    """Check every item (all problems at once) and price it."""
    errors = Problems()
    if not items:
        errors.add(field_prefix, "A document needs at least one item.", ErrorCode.REQUIRED)
    if len(items) > MAX_ITEMS:
        errors.add(field_prefix, f"A document has at most {MAX_ITEMS} items.")
    errors.raise_if_any()
    lines: list[SalesLine] = []
    for i, item in enumerate(items):
        at = f"{field_prefix}.{i}"
        product = products.get(item.product_id) if item.product_id is not None else None
        if item.product_id is not None and (product is None or product.company_id != company_id):
            errors.add(f"{at}.productId", "No such product in this company.", ErrorCode.NOT_FOUND)
            continue
        if product is not None and not product.is_active:
            errors.add(f"{at}.productId", "This product is inactive.")
        description = _text(item.description) or (product.name if product else None)
        if description is None:
            errors.add(
                f"{at}.description",
                "A free-text item needs a description.",
                ErrorCode.REQUIRED,
            )
        elif len(description) > DESCRIPTION_MAX:
            errors.add(f"{at}.description", f"At most {DESCRIPTION_MAX} characters.")
        if not item.quantity.is_finite() or item.quantity <= 0:
            errors.add(f"{at}.quantity", "The quantity must be greater than zero.")
        elif not has_places(item.quantity, QUANTITY_QUANTUM) or item.quantity > AMOUNT_MAX:
            errors.add(f"{at}.quantity", "A quantity has at most 4 decimal places.")
        price = item.unit_price
        if price is None:
            price = product.selling_price if product is not None else None
            if price is None:
                errors.add(f"{at}.unitPrice", "A unit price is required.", ErrorCode.REQUIRED)
        elif price < 0:
            errors.add(f"{at}.unitPrice", "The unit price cannot be negative.")
        elif not has_places(price, AMOUNT_QUANTUM) or price > AMOUNT_MAX:
            errors.add(f"{at}.unitPrice", "A unit price has at most 4 decimal places.")
        if not ZERO <= item.discount_percent <= HUNDRED:
            errors.add(f"{at}.discountPercent", "A discount is 0 to 100 percent.")
        tax: TaxCode | None = None
        if item.tax_code is not None:
            tax = tax_codes.get(item.tax_code.strip().upper())
            if tax is None or not tax.is_active:
                errors.add(f"{at}.taxCode", f"No active tax code '{item.tax_code}'.")
        is_stocked = bool(product is not None and product.is_stocked)
        warehouse = item.warehouse_id or default_warehouse
        if is_stocked and require_warehouse and warehouse is None:
            errors.add(
                f"{at}.warehouseId",
                "A stocked product needs a warehouse (on the item or the document).",
                ErrorCode.REQUIRED,
            )
        if errors:  # an item failed: the document is refused; check the rest, price none
            continue
        assert price is not None and description is not None
        revenue = None
        if accounts is not None:
            revenue = accounts[AccountRole.SALES if is_stocked else AccountRole.SERVICE]
        lines.append(
            price_line(
                line_number=i + 1,
                currency=currency,
                product_id=item.product_id,
                description=description,
                quantity=item.quantity,
                unit_price=price,
                discount_percent=item.discount_percent,
                tax=tax,
                rounding=rounding,
                revenue_account_id=revenue,
                warehouse_id=warehouse if is_stocked else item.warehouse_id,
                is_stocked=is_stocked,
            )
        )
    errors.raise_if_any()
    return lines


# -- documents -----------------------------------------------------------------------------------


@dataclass
class SalesDocument:
    id: uuid.UUID
    company_id: uuid.UUID
    kind: DocumentKind
    number: str | None
    customer_id: uuid.UUID
    status: DocumentStatus
    issue_date: date
    due_date: date | None
    currency_code: str
    exchange_rate: Decimal
    warehouse_id: uuid.UUID | None
    source_id: uuid.UUID | None
    reference: str | None
    notes: str | None
    lines: list[SalesLine]
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID
    updated_by: uuid.UUID
    amount_paid: Decimal = ZERO
    amount_credited: Decimal = ZERO
    base_settled: Decimal = ZERO  # receivable relieved so far, in base currency
    base_total: Decimal = ZERO  # the total in base currency as booked (set by `new`, stored)
    journal_entry_id: uuid.UUID | None = None
    stock_entry_id: uuid.UUID | None = None
    posted_at: datetime | None = None
    voided_at: datetime | None = None
    version: int = 1
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    # -- amounts --
    @property
    def subtotal(self) -> Decimal:
        return sum((line.net_amount for line in self.lines), ZERO)

    @property
    def tax_total(self) -> Decimal:
        return sum((line.tax_amount for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax_total

    @property
    def amount_due(self) -> Decimal:
        return self.total - self.amount_paid - self.amount_credited

    @property
    def base_due(self) -> Decimal:
        return self.base_total - self.base_settled

    @classmethod
    def new(
        cls,
        *,
        kind: DocumentKind,
        company_id: uuid.UUID,
        customer: Customer,
        issue_date: date,
        due_date: date | None,
        currency_code: str,
        exchange_rate: Decimal,
        lines: list[SalesLine],
        status: DocumentStatus,
        actor: uuid.UUID,
        now: datetime,
        number: str | None = None,
        warehouse_id: uuid.UUID | None = None,
        source_id: uuid.UUID | None = None,
        reference: str | None = None,
        notes: str | None = None,
        base_currency: str,
    ) -> SalesDocument:
        errors = ValidationErrors()
        if due_date is not None and due_date < issue_date:
            errors.add("dueDate", "The due date cannot be before the issue date.")
        if notes is not None and len(notes) > NOTES_MAX:
            errors.add("notes", f"Notes have at most {NOTES_MAX} characters.")
        if reference is not None and len(reference) > REFERENCE_MAX:
            errors.add("reference", f"A reference has at most {REFERENCE_MAX} characters.")
        errors.raise_if_any()
        document = cls(
            id=uuid.uuid4(),
            company_id=company_id,
            kind=kind,
            number=number,
            customer_id=customer.id,
            status=status,
            issue_date=issue_date,
            due_date=due_date,
            currency_code=currency_code,
            exchange_rate=exchange_rate,
            warehouse_id=warehouse_id,
            source_id=source_id,
            reference=_text(reference),
            notes=_text(notes),
            lines=lines,
            created_at=now,
            updated_at=now,
            created_by=actor,
            updated_by=actor,
        )
        document.base_total = base_amount(document.total, exchange_rate, base_currency)
        return document

    # -- state changes --
    def change_status(self, status: DocumentStatus, *, actor: uuid.UUID, now: datetime) -> None:
        """A follow-up document moved this one on (quotation converted, order delivered,
        delivery invoiced or, its invoice voided, billable again)."""
        self.status = status
        self._touch(actor, now)

    def touch(self, actor: uuid.UUID, now: datetime) -> None:
        """Changed in its running figures (credited quantities): a new version."""
        self._touch(actor, now)

    def _touch(self, actor: uuid.UUID, now: datetime) -> None:
        self.version += 1
        self.updated_at, self.updated_by = now, actor

    def check_postable(self) -> None:
        if self.status is not DocumentStatus.DRAFT:
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                f"This {self.kind.value.replace('_', ' ')} is {self.status.value}, not a draft: "
                "only a draft can be posted.",
                "id",
            )

    def post(
        self,
        *,
        number: str,
        journal_entry_id: uuid.UUID | None,
        stock_entry_id: uuid.UUID | None,
        actor: uuid.UUID,
        now: datetime,
    ) -> None:
        self.check_postable()
        self.number = number
        self.journal_entry_id = journal_entry_id
        self.stock_entry_id = stock_entry_id
        self.status = DocumentStatus.POSTED
        self.posted_at = now
        self._touch(actor, now)

    def void(self, *, actor: uuid.UUID, now: datetime) -> None:
        if self.status is not DocumentStatus.DRAFT:
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                "Only a draft can be voided; correct a posted invoice with a credit note.",
                "id",
            )
        self.status = DocumentStatus.VOID
        self.voided_at = now
        self._touch(actor, now)

    def settle(
        self,
        *,
        paid: Decimal = ZERO,
        credited: Decimal = ZERO,
        base: Decimal,
        actor: uuid.UUID,
        now: datetime,
    ) -> None:
        """A payment or credit note takes `paid`/`credited` (document currency) off what is due
        and `base` off the receivable."""
        if self.status not in (DocumentStatus.POSTED, DocumentStatus.PARTIALLY_PAID):
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                f"Invoice {self.number or self.id} is {self.status.value}: nothing is due on it.",
                "invoiceId",
            )
        if paid + credited > self.amount_due:
            raise DomainError.single(
                ErrorCode.INVALID,
                f"Only {self.amount_due} {self.currency_code} is due on {self.number}.",
                "amount",
            )
        self.amount_paid += paid
        self.amount_credited += credited
        self.base_settled += base
        self.status = DocumentStatus.PAID if self.amount_due == 0 else DocumentStatus.PARTIALLY_PAID
        self._touch(actor, now)
        self.events.append(self.event(INVOICE_SETTLED, now))

    def relieve_base(
        self, amount: Decimal, base_currency: str, revalued: Decimal = ZERO
    ) -> Decimal:
        """Base-currency receivable relieved by settling `amount`, at the carrying amount
        (`revalued`: the document's revaluation shares in force on the settlement date):
        exactly what is left when the document is settled in full (no residue), else its
        proportion of the carrying amount (with no revaluation: at the document's rate)."""
        return relieved_base(
            amount=amount,
            amount_due=self.amount_due,
            base_due=self.base_due,
            revalued=revalued,
            rate=self.exchange_rate,
            base_currency=base_currency,
        )

    # -- events --
    def snapshot(self) -> dict[str, Any]:
        return {
            "companyId": str(self.company_id),
            "customerId": str(self.customer_id),
            "id": str(self.id),
            "kind": self.kind.value,
            "number": self.number,
            "status": self.status.value,
            "issueDate": self.issue_date.isoformat(),
            "dueDate": self.due_date.isoformat() if self.due_date else None,
            "currencyCode": self.currency_code,
            "total": str(self.total),
            "baseTotal": str(self.base_total),
            "amountDue": str(self.amount_due),
        }

    def event(
        self,
        event_type: str,
        now: datetime,
        *,
        receivable: Decimal = ZERO,
        advance: Decimal = ZERO,
        draft: Decimal = ZERO,
    ) -> RecordedEvent:
        payload = self.snapshot()
        payload["balanceChange"] = {
            "receivable": str(receivable),
            "advance": str(advance),
            "draft": str(draft),
        }
        return RecordedEvent(event_type, SALES_DOCUMENT, self.id, payload, now)

    def record_created(self, now: datetime) -> None:
        event_type = {
            DocumentKind.QUOTATION: QUOTATION_CREATED,
            DocumentKind.SALES_ORDER: SALES_ORDER_CREATED,
            DocumentKind.INVOICE: INVOICE_CREATED,
        }.get(self.kind)
        if event_type is not None:
            draft = self.base_total if self.kind is DocumentKind.INVOICE else ZERO
            self.events.append(self.event(event_type, now, draft=draft))

    def record_posted(
        self, now: datetime, *, advance: Decimal = ZERO, relieved: Decimal = ZERO
    ) -> None:
        """The posting's event; a credit note's `relieved` is the receivable it took off its
        invoice (the carrying amount, with revaluations) and `advance` what it left as the
        customer's credit, so the customer balance moves exactly as the control accounts."""
        if self.kind is DocumentKind.INVOICE:
            self.events.append(
                self.event(INVOICE_POSTED, now, receivable=self.base_total, draft=-self.base_total)
            )
        elif self.kind is DocumentKind.DEBIT_NOTE:
            self.events.append(self.event(DEBIT_NOTE_ISSUED, now, receivable=self.base_total))
        elif self.kind is DocumentKind.CREDIT_NOTE:
            self.events.append(
                self.event(CREDIT_NOTE_ISSUED, now, receivable=-relieved, advance=advance)
            )
        elif self.kind is DocumentKind.DELIVERY:
            self.events.append(self.event(DELIVERY_POSTED, now))

    def record_voided(self, now: datetime) -> None:
        self.events.append(self.event(INVOICE_VOIDED, now, draft=-self.base_total))


def due_date_for(issue_date: date, due_date: date | None, terms_days: int) -> date:
    return due_date if due_date is not None else issue_date + timedelta(days=terms_days)


# -- payments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationInput:
    invoice_id: uuid.UUID
    amount: Decimal


@dataclass(frozen=True)
class Allocation:
    id: uuid.UUID
    payment_id: uuid.UUID
    invoice_id: uuid.UUID
    allocation_date: date
    amount: Decimal  # in the invoice's (= the payment's) currency
    base_amount: Decimal  # receivable relieved, at the invoice's rate
    fx_difference: Decimal  # base: value at the payment's rate minus base_amount (gain > 0)
    journal_entry_id: uuid.UUID | None = None  # set when applied after the payment (an advance)


@dataclass
class CustomerPayment:
    id: uuid.UUID
    company_id: uuid.UUID
    customer_id: uuid.UUID
    kind: PaymentKind
    number: str
    payment_date: date
    currency_code: str
    exchange_rate: Decimal
    amount: Decimal
    bank_account_id: uuid.UUID
    reference: str | None
    notes: str | None
    created_at: datetime
    created_by: uuid.UUID
    allocated_amount: Decimal = ZERO
    refunded_amount: Decimal = ZERO
    journal_entry_id: uuid.UUID | None = None
    version: int = 1
    allocations: list[Allocation] = field(default_factory=list)
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated_amount - self.refunded_amount

    def snapshot(self) -> dict[str, Any]:
        return {
            "companyId": str(self.company_id),
            "customerId": str(self.customer_id),
            "id": str(self.id),
            "kind": self.kind.value,
            "number": self.number,
            "paymentDate": self.payment_date.isoformat(),
            "currencyCode": self.currency_code,
            "amount": str(self.amount),
            "unallocated": str(self.unallocated),
            "allocations": [
                {"invoiceId": str(a.invoice_id), "amount": str(a.amount)} for a in self.allocations
            ],
        }

    def record(
        self, event_type: str, now: datetime, *, receivable: Decimal, advance: Decimal
    ) -> None:
        payload = self.snapshot()
        payload["balanceChange"] = {
            "receivable": str(receivable),
            "advance": str(advance),
            "draft": "0",
        }
        self.events.append(RecordedEvent(event_type, PAYMENT, self.id, payload, now))


def check_amount(value: Decimal, field_name: str, *, positive: bool = True) -> None:
    if not value.is_finite() or (value <= 0 if positive else value < 0):
        raise DomainError.single(
            ErrorCode.INVALID, "The amount must be greater than zero.", field_name
        )
    if not has_places(value, AMOUNT_QUANTUM) or value > AMOUNT_MAX:
        raise DomainError.single(
            ErrorCode.INVALID, "An amount has at most 4 decimal places.", field_name
        )


def allocation_fx(
    amount: Decimal, relieved: Decimal, payment_rate: Decimal, base_currency: str
) -> Decimal:
    return base_amount(amount, payment_rate, base_currency) - relieved


# -- posting rules -------------------------------------------------------------------------------


def _credit_base_lines(
    amounts: Mapping[uuid.UUID, Decimal], base_total: Decimal, rate: Decimal, base_currency: str
) -> list[LineInput]:
    """Credits in base currency converting `amounts` at `rate`, in whole minor units summing
    exactly to `base_total` (the receivable's base value) by largest remainder."""
    kept = {a: v for a, v in amounts.items() if v != 0}
    if not kept:
        return []
    converted = allocate(kept, rate, base_total, base_currency)
    return [LineInput(account_id=a, credit=v) for a, v in converted.items() if v != 0]


def _group(pairs: Sequence[tuple[uuid.UUID, Decimal]]) -> dict[uuid.UUID, Decimal]:
    out: dict[uuid.UUID, Decimal] = {}
    for account, amount in pairs:
        out[account] = out.get(account, ZERO) + amount
    return out


def invoice_entry_lines(
    doc: SalesDocument, accounts: SalesAccounts, base_currency: str
) -> list[LineInput]:
    """Dr receivable (document currency) / Cr revenue per account / Cr tax per account."""
    credits = _group(
        [
            (line.revenue_account_id or accounts[AccountRole.SALES], line.net_amount)
            for line in doc.lines
        ]
        + [
            (line.tax_account_id or accounts[AccountRole.TAX], line.tax_amount)
            for line in doc.lines
        ]
    )
    receivable = accounts[AccountRole.RECEIVABLE]
    if doc.currency_code == base_currency:
        return [LineInput(account_id=receivable, debit=doc.total)] + [
            LineInput(account_id=a, credit=v) for a, v in credits.items() if v != 0
        ]
    return [
        LineInput(
            account_id=receivable,
            debit=doc.total,
            currency_code=doc.currency_code,
            exchange_rate=doc.exchange_rate,
        ),
        *_credit_base_lines(credits, doc.base_total, doc.exchange_rate, base_currency),
    ]


def credit_note_entry_lines(
    note: SalesDocument,
    accounts: SalesAccounts,
    base_currency: str,
    *,
    applied: Decimal,
    applied_base: Decimal,
    relieved: Decimal | None = None,
) -> list[LineInput]:
    """Dr returns / Dr tax (base) / Cr receivable for what the invoice still owed (`applied`)
    and Cr advances for the rest (the customer's credit, refundable).

    Returns and tax go back at the invoice's rate (`applied_base`: the applied part's value at
    it); the receivable leaves at what the books carry for that part (`relieved`: with the
    invoice's revaluations in force, `domain.accounting.carrying`), so nothing stays in AR.
    The difference is realized FX, booked as a payment's is."""
    relieved = applied_base if relieved is None else relieved
    debits = _group(
        [(accounts[AccountRole.RETURNS], line.net_amount) for line in note.lines]
        + [
            (line.tax_account_id or accounts[AccountRole.TAX], line.tax_amount)
            for line in note.lines
        ]
    )
    excess = note.total - applied
    excess_base = note.base_total - applied_base
    foreign = note.currency_code != base_currency
    lines = (
        [
            LineInput(account_id=line.account_id, debit=line.credit)
            for line in _credit_base_lines(
                debits, note.base_total, note.exchange_rate, base_currency
            )
        ]
        if foreign
        else [LineInput(account_id=a, debit=v) for a, v in debits.items() if v != 0]
    )
    lines += settlement_credit(accounts[AccountRole.RECEIVABLE], applied, relieved, note, foreign)
    lines += settlement_credit(accounts[AccountRole.ADVANCES], excess, excess_base, note, foreign)
    return lines + fx_line(accounts, applied_base - relieved)


def side_line(
    account: uuid.UUID,
    side: str,
    amount: Decimal,
    currency: str | None = None,
    rate: Decimal | None = None,
) -> LineInput:
    """A debit or credit line (`side`), in `currency` at `rate` or in base currency."""
    debit, credit = (amount, None) if side == "debit" else (None, amount)
    return LineInput(
        account_id=account, debit=debit, credit=credit, currency_code=currency, exchange_rate=rate
    )


def settlement_credit(
    account: uuid.UUID,
    amount: Decimal,
    base: Decimal,
    doc: SalesDocument,
    foreign: bool,
    *,
    side: str = "credit",
) -> list[LineInput]:
    """A line of `amount` (document currency) booked at exactly `base` (what the open item
    carries: its rate's value, what is left of it, or that plus revaluations), so the account's
    foreign-currency position keeps amount and base together."""
    if amount == 0 and base == 0:
        return []
    if not foreign:
        return [side_line(account, side, amount)]
    line = side_line(account, side, amount, doc.currency_code, doc.exchange_rate)
    return [replace(line, booked_base=base) if base > 0 else line]


def fx_line(accounts: SalesAccounts, difference: Decimal) -> list[LineInput]:
    """Realized FX in base currency: a gain (more base received than booked) credits 4920, a
    loss debits 6800."""
    if difference > 0:
        return [LineInput(account_id=accounts[AccountRole.FX_GAIN], credit=difference)]
    if difference < 0:
        return [LineInput(account_id=accounts[AccountRole.FX_LOSS], debit=-difference)]
    return []


def money_line(
    account: uuid.UUID,
    amount: Decimal,
    currency: str,
    rate: Decimal,
    base_currency: str,
    side: str,
) -> LineInput:
    if currency == base_currency:
        return side_line(account, side, amount)
    return side_line(account, side, amount, currency, rate)
