"""GraphQL types of multi-currency: exchange rates and FX revaluation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from schema.accounting.types import JournalEntry, JournalEntryError, _rate
from schema.scalars import Money


@strawberry.type(description="One unit of `currency` in the company's base currency, from a date.")
class ExchangeRate:
    company_id: strawberry.ID
    currency: str = strawberry.field(description="The foreign currency (ISO 4217).")
    base_currency: str
    effective_date: date
    rate: Decimal = strawberry.field(description="Up to 10 decimal places.")

    @classmethod
    def build(
        cls, company_id: object, currency: str, base: str, day: date, rate: Decimal
    ) -> ExchangeRate:
        return cls(
            company_id=strawberry.ID(str(company_id)),
            currency=currency,
            base_currency=base,
            effective_date=day,
            rate=_rate(rate),
        )


@strawberry.input
class SetExchangeRateInput:
    company_id: strawberry.ID
    currency: str
    date: date
    rate: Decimal


@strawberry.type
class ExchangeRatePayload:
    exchange_rate: ExchangeRate | None
    errors: list[JournalEntryError]


@strawberry.input
class RevalueForeignBalancesInput:
    company_id: strawberry.ID
    as_of: date
    gain_account_id: strawberry.ID
    loss_account_id: strawberry.ID
    auto_reverse: bool = strawberry.field(
        default=False,
        description="Also post the reversal on the first day of the next period.",
    )


@strawberry.type(description="What one account's balance in one currency was revalued by.")
class RevaluationLine:
    account_id: strawberry.ID
    currency: str
    foreign_balance: Money = strawberry.field(description="Original currency, debit positive.")
    rate: Decimal
    base_adjustment: Money = strawberry.field(description="Base currency, debit positive.")


@strawberry.type
class RevaluationPayload:
    journal_entry: JournalEntry | None = strawberry.field(
        description="The revaluation entry (reference FX-REVALUATION); reversible."
    )
    reversal: JournalEntry | None = strawberry.field(description="With autoReverse: its mirror.")
    lines: list[RevaluationLine]
    errors: list[JournalEntryError]
