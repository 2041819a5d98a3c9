"""Purchasing GraphQL types: payments made to suppliers and supplier credits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self

import strawberry

from domain.purchasing import model
from schema.accounting.types import JournalEntry
from schema.purchasing.types.bills import PaymentAllocation
from schema.purchasing.types.common import _id, _sid, money, quantity, rate
from schema.purchasing.types.suppliers import Supplier, load_supplier
from schema.relay import PageInfo
from schema.scalars import Money


@strawberry.type(
    description="A payment made to a supplier, allocated to bills; the rest is an advance."
)
class SupplierPayment:
    id: strawberry.ID
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    number: str
    payment_date: date
    currency_code: str
    exchange_rate: Decimal
    amount: Money
    unallocated: Money = strawberry.field(description="Booked as an advance to the supplier.")
    realized_fx: Money = strawberry.field(
        description="Base currency paid beyond the AP cleared: > 0 a loss (6800), < 0 a gain "
        "(4920)."
    )
    bank_account_id: strawberry.ID = strawberry.field(
        description="The account the money left (the advances account for ADVANCE_APPLIED)."
    )
    reference: str | None
    kind: str = strawberry.field(
        description="PAYMENT (money paid) or ADVANCE_APPLIED (an earlier advance settling a "
        "bill: no money moved)."
    )
    created_at: datetime
    journal_entry_id: strawberry.ID | None

    @strawberry.field
    async def allocations(self, info: strawberry.Info) -> list[PaymentAllocation]:
        rows = await info.context.loaders.supplier_allocations_by_payment.load(uuid.UUID(self.id))
        return [PaymentAllocation.from_row(r) for r in rows]

    @strawberry.field
    async def supplier(self, info: strawberry.Info) -> Supplier | None:
        return await load_supplier(info, uuid.UUID(self.supplier_id))

    @strawberry.field
    async def journal_entry(self, info: strawberry.Info) -> JournalEntry | None:
        if self.journal_entry_id is None:
            return None
        row = await info.context.loaders.journal_entry_by_id.load(uuid.UUID(self.journal_entry_id))
        return JournalEntry.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=_sid(row["id"]),
            company_id=_sid(row["company_id"]),
            supplier_id=_sid(row["supplier_id"]),
            number=row["number"],
            payment_date=row["payment_date"],
            currency_code=row["currency_code"],
            exchange_rate=rate(row["exchange_rate"]) or Decimal(1),
            amount=money(row["amount"]),
            unallocated=money(row["unallocated"]),
            realized_fx=money(row["realized_fx"]),
            bank_account_id=_sid(row["bank_account_id"]),
            reference=row["reference"],
            kind=str(row["kind"]).upper(),
            created_at=row["created_at"],
            journal_entry_id=_id(row["journal_entry_id"]),
        )

    @classmethod
    def of(cls, p: model.SupplierPayment) -> Self:
        values = {k: getattr(p, k) for k in model.SupplierPayment.__dataclass_fields__}
        values["realized_fx"] = p.realized_fx
        return cls.from_row(values)


@strawberry.type
class SupplierPaymentEdge:
    cursor: str
    node: SupplierPayment


@strawberry.type
class SupplierPaymentConnection:
    edges: list[SupplierPaymentEdge]
    page_info: PageInfo


@strawberry.type
class SupplierCreditLine:
    id: strawberry.ID
    line_number: int
    bill_line_id: strawberry.ID
    product_id: strawberry.ID | None
    quantity: Decimal
    unit_price: Money
    amount: Money
    tax_amount: Money
    return_stock: bool
    warehouse_id: strawberry.ID | None


@strawberry.type(description="A supplier's credit against a bill (price allowance or return).")
class SupplierCredit:
    id: strawberry.ID
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    bill_id: strawberry.ID
    number: str
    credit_date: date
    currency_code: str
    reason: str | None
    total: Money
    lines: list[SupplierCreditLine]
    journal_entry_id: strawberry.ID | None

    @classmethod
    def of(cls, c: model.SupplierCredit) -> Self:
        return cls(
            id=_sid(c.id),
            company_id=_sid(c.company_id),
            supplier_id=_sid(c.supplier_id),
            bill_id=_sid(c.bill_id),
            number=c.number,
            credit_date=c.credit_date,
            currency_code=c.currency_code,
            reason=c.reason,
            total=money(c.total),
            lines=[
                SupplierCreditLine(
                    id=_sid(line.id),
                    line_number=line.line_number,
                    bill_line_id=_sid(line.bill_line_id),
                    product_id=_id(line.product_id),
                    quantity=quantity(line.quantity),
                    unit_price=money(line.unit_price),
                    amount=money(line.amount),
                    tax_amount=money(line.tax_amount),
                    return_stock=line.return_stock,
                    warehouse_id=_id(line.warehouse_id),
                )
                for line in c.lines
            ],
            journal_entry_id=_id(c.journal_entry_id),
        )
