"""Purchasing model: payments made to suppliers and their allocations to bills."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, localcontext

from domain.accounting.model import base_amount
from domain.purchasing.events import (
    SUPPLIER_ADVANCE_APPLIED,
    SUPPLIER_PAYMENT_MADE,
)
from domain.purchasing.model.balances import BalanceChange
from domain.purchasing.model.bills import OPEN_BILL_STATUSES, Bill
from domain.purchasing.model.common import (
    RATE_QUANTUM,
    REFERENCE_MAX,
    SUPPLIER_PAYMENT,
    ZERO,
    _text,
)
from domain.purchasing.model.suppliers import Supplier
from domain.shared.errors import DomainError, ErrorCode, ValidationErrors
from domain.shared.events import RecordedEvent
from domain.shared.money import fits_storage, money_text

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
        if not fits_storage(amount) or amount <= 0:
            errors.add("amount", "A payment is an amount greater than zero (4 places at most).")
        reference = _text(errors, reference, "reference", REFERENCE_MAX)
        allocated = ZERO
        built: list[Allocation] = []
        seen: set[uuid.UUID] = set()
        for i, a in enumerate(allocations):
            path = f"allocations.{i}"
            bill = bills.get(a.bill_id)
            if not fits_storage(a.amount) or a.amount <= 0:
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
                    f"Bill {bill.number} has only {money_text(bill.outstanding)} "
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
        if fits_storage(amount) and allocated > amount:
            errors.add(
                "allocations",
                f"Allocations total {money_text(allocated)}, "
                f"more than the payment's {money_text(amount)}.",
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
                    "amount": money_text(amount),
                    "currencyCode": payment.currency_code,
                    "allocations": [
                        {"billId": str(a.bill_id), "amount": money_text(a.amount)} for a in built
                    ],
                    "unallocated": money_text(payment.unallocated),
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
        if not fits_storage(amount) or amount <= 0:
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
                f"Bill {bill.number} has only {money_text(bill.outstanding)} outstanding.",
                "amount",
            )
        if amount > available.advance:
            raise DomainError.single(
                ErrorCode.LIMIT_EXCEEDED,
                f"The supplier's advance is only {money_text(available.advance)} "
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
