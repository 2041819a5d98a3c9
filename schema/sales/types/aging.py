"""Sales GraphQL types: AR aging and customer statements."""

from __future__ import annotations

from datetime import date

import strawberry

from schema.sales.types.customers import Customer
from schema.scalars import Money


@strawberry.type(description="Open receivables by days past due, in base currency.")
class ArAgingBuckets:
    current: Money
    days_1_to_30: Money
    days_31_to_60: Money
    days_61_to_90: Money
    over_90: Money
    total: Money


@strawberry.type
class CustomerAging:
    customer_id: strawberry.ID
    customer_code: str
    customer_name: str
    buckets: ArAgingBuckets


@strawberry.type
class ArAging:
    company_id: strawberry.ID
    as_of: date
    currency_code: str
    customers: list[CustomerAging] = strawberry.field(metadata={"list_size": 50})
    totals: ArAgingBuckets


@strawberry.type
class CustomerStatementLine:
    date: date
    kind: str = strawberry.field(description="invoice, debit_note, credit_note, receipt or refund.")
    number: str | None
    reference: str | None
    debit: Money
    credit: Money
    balance: Money = strawberry.field(description="Running: what the customer owes after it.")


@strawberry.type(description="A customer's account in their currency between two dates.")
class CustomerStatement:
    customer: Customer
    currency_code: str
    date_from: date
    date_to: date
    opening_balance: Money
    lines: list[CustomerStatementLine] = strawberry.field(metadata={"list_size": 50})
    closing_balance: Money
    aging: ArAgingBuckets
