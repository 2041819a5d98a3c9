"""Sales GraphQL types: customers, their addresses and balances."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Self

import strawberry

from domain.sales import model
from domain.tax.model import TaxKind
from schema.relay import PageInfo
from schema.sales.types.common import money
from schema.scalars import Money


@strawberry.type
class CustomerAddress:
    kind: str | None
    line1: str | None
    line2: str | None
    city: str | None
    state: str | None
    postcode: str | None
    country: str | None


@strawberry.type
class CustomerContact:
    name: str | None
    email: str | None
    phone: str | None
    role: str | None


@strawberry.type(description="A customer's balance from the read model the event handler keeps.")
class CustomerBalance:
    receivable: Money = strawberry.field(description="Posted and unpaid, in base currency.")
    advance: Money = strawberry.field(description="Paid in advance or credited, unapplied.")
    draft_total: Money = strawberry.field(description="Draft invoices not yet posted.")
    net: Money = strawberry.field(description="receivable - advance.")
    updated_at: datetime | None


@strawberry.type
class Customer:
    id: strawberry.ID
    company_id: strawberry.ID
    code: str
    name: str
    tax_id: str | None = strawberry.field(description="The customer's tax id (TIN).")
    registration_number: str | None
    email: str | None
    phone: str | None
    addresses: list[CustomerAddress] = strawberry.field(metadata={"list_size": 3})
    contacts: list[CustomerContact] = strawberry.field(metadata={"list_size": 3})
    currency_code: str
    payment_terms_days: int
    credit_limit: Money | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @strawberry.field(description="Eventually consistent: updated by the event handler.")
    async def balance(self, info: strawberry.Info) -> CustomerBalance:
        row = await info.context.loaders.customer_balance_by_customer.load(uuid.UUID(str(self.id)))
        receivable = row["receivable"] if row else Decimal(0)
        advance = row["advance"] if row else Decimal(0)
        return CustomerBalance(
            receivable=money(receivable),
            advance=money(advance),
            draft_total=money(row["draft_total"] if row else None),
            net=money(receivable - advance),
            updated_at=row["updated_at"] if row else None,
        )

    @classmethod
    def of(cls, c: model.Customer) -> Self:
        return cls(
            id=strawberry.ID(str(c.id)),
            company_id=strawberry.ID(str(c.company_id)),
            code=c.code,
            name=c.name,
            tax_id=c.tax_id,
            registration_number=c.registration_number,
            email=c.email,
            phone=c.phone,
            addresses=[
                CustomerAddress(**{k: a.get(k) for k in CustomerAddress.__annotations__})
                for a in c.addresses
            ],
            contacts=[
                CustomerContact(**{k: x.get(k) for k in CustomerContact.__annotations__})
                for x in c.contacts
            ],
            currency_code=c.currency_code,
            payment_terms_days=c.payment_terms_days,
            credit_limit=money(c.credit_limit) if c.credit_limit is not None else None,
            is_active=c.is_active,
            created_at=c.created_at,
            updated_at=c.updated_at,
            version=c.version,
        )


@strawberry.type
class CustomerEdge:
    cursor: str
    node: Customer


@strawberry.type
class CustomerConnection:
    edges: list[CustomerEdge]
    page_info: PageInfo


@strawberry.type
class TaxCode:
    id: strawberry.ID
    code: str
    name: str
    rate: Decimal = strawberry.field(description="Percent: 10 means 10 %.")
    kind: TaxKind
    account_id: strawberry.ID | None = strawberry.field(
        description="Where its tax is booked; null: 2200 SST Payable."
    )
    is_active: bool
