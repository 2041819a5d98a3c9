"""Sales GraphQL types: customer payments, allocations and refunds."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self

import strawberry

from domain.sales import model
from domain.sales.model import PaymentKind
from schema.accounting.types import JournalEntry
from schema.relay import PageInfo
from schema.sales.types.common import TYPICAL_ALLOCATIONS, _id, money
from schema.sales.types.customers import Customer
from schema.sales.types.documents import CustomerPaymentAllocation, _plain
from schema.scalars import Money


@strawberry.type(description="Money received from (RECEIPT) or refunded to (REFUND) a customer.")
class CustomerPayment:
    id: strawberry.ID
    company_id: strawberry.ID
    customer_id: strawberry.ID
    kind: PaymentKind
    number: str
    payment_date: date
    currency_code: str
    exchange_rate: Decimal
    amount: Money
    allocated_amount: Money
    refunded_amount: Money
    unallocated_amount: Money = strawberry.field(
        description="The customer's advance left on this payment (refundable, allocatable)."
    )
    bank_account_id: strawberry.ID
    reference: str | None
    journal_entry_id: strawberry.ID | None
    created_at: datetime

    @strawberry.field
    async def customer(self, info: strawberry.Info) -> Customer | None:
        found = await info.context.loaders.customer_by_id.load(uuid.UUID(str(self.customer_id)))
        return Customer.of(found) if found is not None else None

    @strawberry.field(metadata={"list_size": TYPICAL_ALLOCATIONS})
    async def allocations(self, info: strawberry.Info) -> list[CustomerPaymentAllocation]:
        rows = await info.context.loaders.allocations_by_payment.load(uuid.UUID(str(self.id)))
        return [CustomerPaymentAllocation.from_row(r) for r in rows]

    @strawberry.field
    async def journal_entry(self, info: strawberry.Info) -> JournalEntry | None:
        if self.journal_entry_id is None:
            return None
        row = await info.context.loaders.journal_entry_by_id.load(
            uuid.UUID(str(self.journal_entry_id))
        )
        return JournalEntry.from_row(row) if row is not None else None

    @classmethod
    def of(cls, source: model.CustomerPayment | Mapping[str, Any]) -> Self:
        d: Mapping[str, Any]
        if isinstance(source, model.CustomerPayment):
            d = {**source.__dict__, "kind": source.kind.value}
        else:
            d = source
        return cls(
            id=strawberry.ID(str(d["id"])),
            company_id=strawberry.ID(str(d["company_id"])),
            customer_id=strawberry.ID(str(d["customer_id"])),
            kind=PaymentKind(d["kind"]),
            number=d["number"],
            payment_date=d["payment_date"],
            currency_code=d["currency_code"],
            exchange_rate=_plain(d["exchange_rate"]),
            amount=money(d["amount"]),
            allocated_amount=money(d["allocated_amount"]),
            refunded_amount=money(d["refunded_amount"]),
            unallocated_amount=money(
                d["amount"] - d["allocated_amount"] - d["refunded_amount"]
                if d["kind"] == "receipt"
                else Decimal(0)
            ),
            bank_account_id=strawberry.ID(str(d["bank_account_id"])),
            reference=d["reference"],
            journal_entry_id=_id(d["journal_entry_id"]),
            created_at=d["created_at"],
        )


@strawberry.type
class CustomerPaymentEdge:
    cursor: str
    node: CustomerPayment


@strawberry.type
class CustomerPaymentConnection:
    edges: list[CustomerPaymentEdge]
    page_info: PageInfo
