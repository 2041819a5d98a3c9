"""Purchasing model: supplier bills, their lines and the three-way match against receipts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from domain.accounting.carrying import relieved_base
from domain.accounting.model import base_amount
from domain.purchasing.events import (
    BILL_CREATED,
    BILL_POSTED,
    BILL_VOIDED,
)
from domain.purchasing.model.common import (
    BILL,
    HUNDRED,
    MAX_LINES,
    REFERENCE_MAX,
    TEXT_MAX,
    ZERO,
    _text,
    check_price,
    check_quantity,
    line_amount,
)
from domain.purchasing.model.products import ProductFacts, check_product
from domain.purchasing.model.receipts import GoodsReceipt, ReceiptLine
from domain.purchasing.model.suppliers import Supplier
from domain.shared.errors import DomainError, ErrorCode, ValidationErrors
from domain.shared.events import RecordedEvent
from domain.shared.money import money_text
from domain.tax.model import TaxCode, TaxRounding, line_tax


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
                    "total": money_text(self.total),
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
