"""Sales model: the sales document (quotation, order, delivery, invoice, credit and debit note)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.accounting.carrying import relieved_base
from domain.accounting.model import base_amount
from domain.sales.events import (
    CREDIT_NOTE_ISSUED,
    DEBIT_NOTE_ISSUED,
    DELIVERY_POSTED,
    INVOICE_CREATED,
    INVOICE_POSTED,
    INVOICE_SETTLED,
    INVOICE_VOIDED,
    QUOTATION_CREATED,
    SALES_ORDER_CREATED,
)
from domain.sales.model.common import (
    NOTES_MAX,
    REFERENCE_MAX,
    SALES_DOCUMENT,
    ZERO,
    DocumentKind,
    DocumentStatus,
    _text,
)
from domain.sales.model.customers import Customer
from domain.sales.model.lines import SalesLine
from domain.shared.errors import DomainError, ErrorCode, ValidationErrors
from domain.shared.events import RecordedEvent


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
