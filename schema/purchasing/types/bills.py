"""Purchasing GraphQL types: supplier bills and their lines."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self

import strawberry

from domain.purchasing import model
from domain.shared.aging import overdue_days
from schema.accounting.types import JournalEntry
from schema.inventory.types import Product
from schema.purchasing.types.common import (
    BillStatus,
    _id,
    _sid,
    load_product,
    money,
    quantity,
    rate,
)
from schema.purchasing.types.suppliers import Supplier, load_supplier
from schema.relay import PageInfo
from schema.scalars import Money


@strawberry.type
class BillLine:
    id: strawberry.ID
    line_number: int
    receipt_line_id: strawberry.ID | None = strawberry.field(
        description="The goods receipt line it is matched to (null: an expense line)."
    )
    product_id: strawberry.ID | None
    account_id: strawberry.ID | None = strawberry.field(
        description="For an unmatched line: the account it books to."
    )
    description: str | None
    quantity: Decimal
    unit_price: Money
    amount: Money = strawberry.field(description="Net of tax.")
    tax_code: str | None
    tax_rate: Decimal
    tax_amount: Money

    @strawberry.field
    async def product(self, info: strawberry.Info) -> Product | None:
        return await load_product(info, self.product_id)

    @classmethod
    def of(cls, line: model.BillLine) -> Self:
        return cls(
            id=_sid(line.id),
            line_number=line.line_number,
            receipt_line_id=_id(line.receipt_line_id),
            product_id=_id(line.product_id),
            account_id=_id(line.account_id),
            description=line.description,
            quantity=quantity(line.quantity),
            unit_price=money(line.unit_price),
            amount=money(line.amount),
            tax_code=line.tax_code,
            tax_rate=rate(line.tax_rate) or Decimal(0),
            tax_amount=money(line.tax_amount),
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls.of(model.BillLine(**{k: row[k] for k in model.BillLine.__dataclass_fields__}))


@strawberry.type(description="Part of a payment made, allocated to one bill.")
class PaymentAllocation:
    payment_id: strawberry.ID
    payment_number: str
    payment_date: date
    bill_id: strawberry.ID
    bill_number: str | None
    amount: Money = strawberry.field(description="Document currency.")
    base_cleared: Money = strawberry.field(description="AP cleared (base, at the bill's rate).")
    base_paid: Money = strawberry.field(description="What it cost (base, at the payment's rate).")
    realized_fx: Money = strawberry.field(description="basePaid - baseCleared: > 0 a loss.")

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            payment_id=_sid(row["payment_id"]),
            payment_number=row["payment_number"],
            payment_date=row["payment_date"],
            bill_id=_sid(row["bill_id"]),
            bill_number=row["bill_number"],
            amount=money(row["amount"]),
            base_cleared=money(row["base_cleared"]),
            base_paid=money(row["base_paid"]),
            realized_fx=money(row["base_paid"] - row["base_cleared"]),
        )


@strawberry.type(description="A supplier's bill (AP): what the company owes for goods or services.")
class Bill:
    id: strawberry.ID
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    number: str | None = strawberry.field(description="Gapless per company, given on posting.")
    supplier_reference: str | None = strawberry.field(description="The supplier's invoice no.")
    bill_date: date
    due_date: date
    currency_code: str
    exchange_rate: Decimal | None = strawberry.field(description="Fixed on posting.")
    status: BillStatus
    notes: str | None
    subtotal: Money
    tax_total: Money
    total: Money
    base_total: Money | None = strawberry.field(description="The AP booked (base currency).")
    amount_paid: Money
    amount_credited: Money
    outstanding: Money
    overdue_days: int = strawberry.field(
        description="Days past due of an open bill (0 if not due), in the tenant's timezone."
    )
    created_at: datetime
    posted_at: datetime | None
    version: int
    journal_entry_id: strawberry.ID | None
    preloaded_lines: strawberry.Private[list[model.BillLine] | None] = None

    @strawberry.field
    async def lines(self, info: strawberry.Info) -> list[BillLine]:
        if self.preloaded_lines is not None:
            return [BillLine.of(line) for line in self.preloaded_lines]
        rows = await info.context.loaders.bill_lines_by_bill.load(uuid.UUID(self.id))
        return [BillLine.from_row(r) for r in rows]

    @strawberry.field
    async def supplier(self, info: strawberry.Info) -> Supplier | None:
        return await load_supplier(info, uuid.UUID(self.supplier_id))

    @strawberry.field(description="The supplier's name (the spec's projection field).")
    async def supplier_name(self, info: strawberry.Info) -> str | None:
        row = await info.context.loaders.supplier_by_id.load(uuid.UUID(self.supplier_id))
        return row["name"] if row is not None else None

    @strawberry.field(description="Payments allocated to this bill.")
    async def payments(self, info: strawberry.Info) -> list[PaymentAllocation]:
        rows = await info.context.loaders.supplier_allocations_by_bill.load(uuid.UUID(self.id))
        return [PaymentAllocation.from_row(r) for r in rows]

    @strawberry.field(description="The posting's journal entry (null for a draft).")
    async def journal_entry(self, info: strawberry.Info) -> JournalEntry | None:
        if self.journal_entry_id is None:
            return None
        row = await info.context.loaders.journal_entry_by_id.load(uuid.UUID(self.journal_entry_id))
        return JournalEntry.from_row(row) if row is not None else None

    @classmethod
    def build(
        cls, values: Mapping[str, Any], today: date, lines: list[model.BillLine] | None
    ) -> Self:
        stored = model.BillStatus(values["status"])
        outstanding = values["total"] - values["amount_paid"] - values["amount_credited"]
        is_open = stored in model.OPEN_BILL_STATUSES
        late = overdue_days(values["due_date"], today) if is_open else 0
        shown = BillStatus.OVERDUE if late > 0 else BillStatus(stored.value)
        return cls(
            id=_sid(values["id"]),
            company_id=_sid(values["company_id"]),
            supplier_id=_sid(values["supplier_id"]),
            number=values["number"],
            supplier_reference=values["supplier_reference"],
            bill_date=values["bill_date"],
            due_date=values["due_date"],
            currency_code=values["currency_code"],
            exchange_rate=rate(values["exchange_rate"]),
            status=shown,
            notes=values["notes"],
            subtotal=money(values["subtotal"]),
            tax_total=money(values["tax_total"]),
            total=money(values["total"]),
            base_total=money(values["base_total"]) if values["base_total"] is not None else None,
            amount_paid=money(values["amount_paid"]),
            amount_credited=money(values["amount_credited"]),
            outstanding=money(outstanding),
            overdue_days=late,
            created_at=values["created_at"],
            posted_at=values["posted_at"],
            version=values["version"],
            journal_entry_id=_id(values["journal_entry_id"]),
            preloaded_lines=lines,
        )

    @classmethod
    def of(cls, bill: model.Bill, today: date) -> Self:
        values = {k: getattr(bill, k) for k in model.Bill.__dataclass_fields__}
        values["status"] = bill.status.value
        return cls.build(values, today, bill.lines)


@strawberry.type
class BillEdge:
    cursor: str
    node: Bill


@strawberry.type
class BillConnection:
    edges: list[BillEdge]
    page_info: PageInfo
