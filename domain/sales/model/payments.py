"""Sales model: customer payments, their allocations and refunds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.accounting.model import AMOUNT_QUANTUM, base_amount
from domain.sales.model.common import AMOUNT_MAX, PAYMENT, ZERO, PaymentKind
from domain.shared.errors import DomainError, ErrorCode
from domain.shared.events import RecordedEvent
from domain.shared.money import has_places


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
