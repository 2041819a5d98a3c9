"""Purchasing GraphQL types: suppliers, their addresses and contacts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Self

import strawberry

from domain.purchasing import model
from schema.limits import bounded_list
from schema.purchasing.types.common import _sid, money
from schema.relay import PageInfo
from schema.scalars import Money


@strawberry.type
class Address:
    kind: str
    line1: str
    line2: str | None
    city: str | None
    state: str | None
    postcode: str | None
    country: str | None


@strawberry.type
class Contact:
    name: str
    email: str | None
    phone: str | None
    role: str | None


@strawberry.type(
    description="What the company owes the supplier (AP sub-ledger), kept in the same "
    "transaction as every posting."
)
class SupplierBalance:
    currency_code: str = strawberry.field(description="The supplier's currency.")
    payable: Money = strawberry.field(description="Open bills, supplier's currency.")
    base_payable: Money = strawberry.field(description="Its share of Trade Payables (base).")
    advance: Money = strawberry.field(description="Paid ahead, not yet allocated to a bill.")
    base_advance: Money = strawberry.field(description="Its share of Advances to Suppliers.")

    @classmethod
    def zero(cls, currency_code: str) -> Self:
        nothing = money(Decimal(0))
        return cls(
            currency_code=currency_code,
            payable=nothing,
            base_payable=nothing,
            advance=nothing,
            base_advance=nothing,
        )


@strawberry.type(description="A company's supplier.")
class Supplier:
    id: strawberry.ID
    company_id: strawberry.ID
    code: str
    name: str
    tax_id: str | None = strawberry.field(description="TIN.")
    registration_number: str | None
    addresses: list[Address] = bounded_list(model.MAX_ADDRESSES)
    contacts: list[Contact] = bounded_list(model.MAX_CONTACTS)
    currency_code: str
    payment_terms_days: int = strawberry.field(description="Default due date: bill date + this.")
    credit_limit: Money | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int = strawberry.field(description="Send it back with updateSupplier.")
    balance: SupplierBalance | None

    @classmethod
    def of(cls, s: model.Supplier, balance: SupplierBalance | None = None) -> Self:
        return cls(
            id=_sid(s.id),
            company_id=_sid(s.company_id),
            code=s.code,
            name=s.name,
            tax_id=s.tax_id,
            registration_number=s.registration_number,
            addresses=[Address(**a.to_json()) for a in s.addresses],
            contacts=[Contact(**c.to_json()) for c in s.contacts],
            currency_code=s.currency_code,
            payment_terms_days=s.payment_terms_days,
            credit_limit=money(s.credit_limit) if s.credit_limit is not None else None,
            is_active=s.is_active,
            created_at=s.created_at,
            updated_at=s.updated_at,
            version=s.version,
            balance=balance,
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=_sid(row["id"]),
            company_id=_sid(row["company_id"]),
            code=row["code"],
            name=row["name"],
            tax_id=row["tax_id"],
            registration_number=row["registration_number"],
            addresses=[Address(**model.Address.from_json(a).to_json()) for a in row["addresses"]],
            contacts=[Contact(**model.Contact.from_json(c).to_json()) for c in row["contacts"]],
            currency_code=row["currency_code"],
            payment_terms_days=row["payment_terms_days"],
            credit_limit=money(row["credit_limit"]) if row["credit_limit"] is not None else None,
            is_active=row["is_active"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            version=row["version"],
            balance=SupplierBalance(
                currency_code=row["currency_code"],
                payable=money(row["payable"]),
                base_payable=money(row["base_payable"]),
                advance=money(row["advance"]),
                base_advance=money(row["base_advance"]),
            ),
        )


async def load_supplier(info: strawberry.Info, supplier_id: uuid.UUID) -> Supplier | None:
    row = await info.context.loaders.supplier_by_id.load(supplier_id)
    return Supplier.from_row(row) if row is not None else None


@strawberry.type
class SupplierEdge:
    cursor: str
    node: Supplier


@strawberry.type
class SupplierConnection:
    edges: list[SupplierEdge]
    page_info: PageInfo
