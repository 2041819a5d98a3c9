"""setExchangeRate, exchangeRates and revalueForeignBalances."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from db.readmodels.currency import exchange_rates_of
from domain.accounting import currency_handlers as handlers
from domain.accounting.model import AMOUNT_QUANTUM
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.company.scope import enterable_company
from resolvers.ids import parse_id
from schema.accounting.currency_types import (
    ExchangeRate,
    ExchangeRatePayload,
    RevaluationLine,
    RevaluationPayload,
    RevalueForeignBalancesInput,
    SetExchangeRateInput,
)
from schema.accounting.types import JournalEntry, JournalEntryError, _rate
from schema.permissions import guarded
from schema.scalars import Money


async def set_exchange_rate(
    info: strawberry.Info, input: SetExchangeRateInput
) -> ExchangeRatePayload:
    try:
        command = handlers.SetExchangeRate(
            company_id=parse_id(input.company_id, "companyId", "company"),
            currency=input.currency,
            effective_date=input.date,
            rate=input.rate,
        )
        done = await run_command(info, handlers.set_exchange_rate, command)
    except DomainError as exc:
        return ExchangeRatePayload(
            exchange_rate=None, errors=JournalEntryError.from_domain(exc.errors)
        )
    return ExchangeRatePayload(
        exchange_rate=ExchangeRate.build(
            done.company_id, done.currency, done.base_currency, done.effective_date, done.rate
        ),
        errors=[],
    )


async def revalue_foreign_balances(
    info: strawberry.Info, input: RevalueForeignBalancesInput
) -> RevaluationPayload:
    try:
        command = handlers.RevalueForeignBalances(
            company_id=parse_id(input.company_id, "companyId", "company"),
            as_of=input.as_of,
            gain_account_id=parse_id(input.gain_account_id, "gainAccountId", "account"),
            loss_account_id=parse_id(input.loss_account_id, "lossAccountId", "account"),
            auto_reverse=input.auto_reverse,
        )
        done = await run_command(info, handlers.revalue_foreign_balances, command)
    except DomainError as exc:
        return RevaluationPayload(
            journal_entry=None,
            reversal=None,
            lines=[],
            errors=JournalEntryError.from_domain(exc.errors),
        )
    return RevaluationPayload(
        journal_entry=JournalEntry.of(done.entry),
        reversal=JournalEntry.of(done.reversal) if done.reversal else None,
        lines=[
            RevaluationLine(
                account_id=strawberry.ID(str(a.account_id)),
                currency=a.currency_code,
                foreign_balance=Money(a.foreign_balance.quantize(AMOUNT_QUANTUM)),
                rate=_rate(a.rate),
                base_adjustment=Money(a.base_adjustment.quantize(AMOUNT_QUANTUM)),
            )
            for a in done.adjustments
        ],
        errors=[],
    )


@strawberry.type
class CurrencyQueries:
    @strawberry.field(
        **guarded(
            "journal:read",
            "A company's exchange rates (optionally of one currency, between two dates), "
            "by currency then date.",
        )
    )
    async def exchange_rates(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID,
        currency: str | None = None,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> list[ExchangeRate]:
        company = enterable_company(info, company_id)
        if company is None:
            return []
        rows = await exchange_rates_of(
            info.context.tenant_engine, company, (currency or "").strip().upper() or None, from_, to
        )
        return [
            ExchangeRate.build(
                r.company_id, r.from_currency, r.to_currency, r.effective_date, r.rate
            )
            for r in rows
        ]


@strawberry.type
class CurrencyMutations:
    set_exchange_rate = strawberry.mutation(
        resolver=set_exchange_rate,
        **guarded(
            "journal:create",
            "Set (or replace) the rate of a foreign currency to the company's base currency "
            "from a date. Foreign lines posted without a rate use the latest rate on or before "
            "their posting date.",
        ),
    )
    revalue_foreign_balances = strawberry.mutation(
        resolver=revalue_foreign_balances,
        **guarded(
            "journal:post",
            "Post one entry revaluing every foreign-currency balance to its base value at the "
            "asOf rate (unrealized gain/loss). Reverse it with reverseJournalEntry, or pass "
            "autoReverse: true.",
        ),
    )
