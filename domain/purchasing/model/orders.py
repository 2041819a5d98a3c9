"""Purchasing model: purchase orders and their lines."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from domain.purchasing.events import (
    PURCHASE_ORDER_CANCELLED,
    PURCHASE_ORDER_CREATED,
)
from domain.purchasing.model.common import (
    MAX_LINES,
    PURCHASE_ORDER,
    TEXT_MAX,
    ZERO,
    _text,
    check_price,
    check_quantity,
    line_amount,
)
from domain.purchasing.model.products import ProductFacts, check_product
from domain.purchasing.model.suppliers import Supplier
from domain.shared.errors import DomainError, ErrorCode, ValidationErrors
from domain.shared.events import RecordedEvent
from domain.shared.money import money_text


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
                    "total": money_text(order.total),
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
