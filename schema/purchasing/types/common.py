"""Purchasing GraphQL types: enums and helpers every purchasing type shares."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import Enum

import strawberry

from domain.purchasing import model
from domain.purchasing.model import OrderStatus
from domain.shared.aging import today_in
from schema.inventory.types import Product
from schema.scalars import Money

strawberry.enum(
    OrderStatus,
    name="PurchaseOrderStatus",
    description="OPEN until goods arrive; PARTIALLY_RECEIVED; RECEIVED when every line is in.",
)


@strawberry.enum(
    description="DRAFT -> POSTED -> PARTIALLY_PAID -> PAID. OVERDUE: posted or partially paid "
    "and past its due date (in the tenant's timezone)."
)
class BillStatus(Enum):
    DRAFT = "draft"
    POSTED = "posted"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    VOID = "void"


def _id(value: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def _sid(value: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(str(value))


def money(value: Decimal) -> Money:
    return Money(value.quantize(model.QUANTUM))


def quantity(value: Decimal) -> Decimal:
    return value.quantize(model.QUANTUM)


def rate(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    text = format(value, "f")
    return Decimal(text.rstrip("0").rstrip(".") if "." in text else text)


async def load_product(info: strawberry.Info, product_id: strawberry.ID | None) -> Product | None:
    if product_id is None:
        return None
    found = await info.context.loaders.product_by_id.load(uuid.UUID(product_id))
    return Product.of(found) if found is not None else None


def business_today(info: strawberry.Info) -> date:
    tenant = info.context.tenant_context
    return today_in(tenant.timezone if tenant is not None else None)
