"""Purchasing model: supplier credits against posted bills."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from domain.purchasing.events import (
    SUPPLIER_CREDIT_ISSUED,
)
from domain.purchasing.model.bills import OPEN_BILL_STATUSES, Bill, BillLine, BillStatus
from domain.purchasing.model.common import (
    SUPPLIER_CREDIT,
    TEXT_MAX,
    ZERO,
    _text,
    check_quantity,
    line_amount,
)
from domain.shared.errors import DomainError, ErrorCode, ValidationErrors
from domain.shared.events import RecordedEvent
from domain.shared.money import money_text, round4


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
                f"The credit ({money_text(total)}) is more than the bill's outstanding "
                f"{money_text(bill.outstanding)}.",
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
                    "total": money_text(total),
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
    return round4(billed.tax_amount * amount / billed.amount) if billed.amount else ZERO
