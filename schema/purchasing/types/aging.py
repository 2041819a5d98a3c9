"""Purchasing GraphQL types: AP aging and supplier statements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from schema.purchasing.types.suppliers import Supplier
from schema.scalars import Money


@strawberry.type(description="Amounts owed by how long past due (current = not yet due).")
class AgingBuckets:
    current: Money
    days_1_to_30: Money
    days_31_to_60: Money
    days_61_to_90: Money
    over_90: Money
    total: Money


@strawberry.type
class SupplierAging:
    supplier_id: strawberry.ID
    supplier_code: str
    supplier_name: str
    currency_code: str
    buckets: AgingBuckets = strawberry.field(description="In the supplier's currency.")
    base_buckets: AgingBuckets = strawberry.field(
        description="In base currency: what the books carry for each bill (at its rate, "
        "plus the revaluations in force on the as-of date)."
    )


@strawberry.type(description="Accounts payable aging as of a date.")
class ApAging:
    company_id: strawberry.ID
    as_of: date
    currency_code: str = strawberry.field(description="The company's base currency.")
    totals: AgingBuckets = strawberry.field(description="All suppliers, base currency.")
    suppliers: list[SupplierAging]


@strawberry.type
class StatementLine:
    date: date
    kind: str = strawberry.field(description="BILL, PAYMENT or CREDIT.")
    document_id: strawberry.ID
    number: str | None
    reference: str | None
    amount: Money = strawberry.field(description="+ owed more, - owed less.")
    balance: Money = strawberry.field(description="Owed after this line.")


@strawberry.type(description="What was owed to a supplier and why, over a period.")
class SupplierStatement:
    supplier: Supplier
    date_from: date
    date_to: date
    currency_code: str
    opening_balance: Money
    closing_balance: Money
    lines: list[StatementLine]


@strawberry.type
class PurchasingSettings:
    company_id: strawberry.ID
    payable_account_id: strawberry.ID
    goods_received_account_id: strawberry.ID
    advances_account_id: strawberry.ID
    purchases_account_id: strawberry.ID
    fx_gain_account_id: strawberry.ID
    fx_loss_account_id: strawberry.ID
    bank_account_id: strawberry.ID
    price_tolerance_percent: Decimal
    quantity_tolerance_percent: Decimal
