"""Purchasing model: goods receipts against purchase orders."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from domain.accounting.conversion import price_in_base
from domain.purchasing.events import (
    GOODS_RECEIVED,
)
from domain.purchasing.model.common import (
    GOODS_RECEIPT,
    TEXT_MAX,
    ZERO,
    _text,
    check_quantity,
)
from domain.purchasing.model.orders import PurchaseOrder
from domain.shared.errors import ErrorCode, ValidationErrors
from domain.shared.events import RecordedEvent
from domain.shared.money import money_text, round4


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
                    value=round4(line.quantity * unit_cost),
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
                            "value": money_text(line.value),
                        }
                        for line in self.lines
                    ],
                },
                now,
            )
        )
