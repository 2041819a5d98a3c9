"""Commands of multi-currency: set an exchange rate, revalue foreign-currency balances."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from domain.accounting.carrying import OpenItem
from domain.accounting.carrying_events import receivables_revalued
from domain.accounting.currency import (
    REVALUATION_REFERENCE,
    Adjustment,
    check_rate_input,
    revaluation,
    revaluation_lines,
)
from domain.accounting.handlers import _enter, _may, company_currency, post_draft
from domain.accounting.model import JournalEntry
from domain.accounting.ports import AccountingUnitOfWork
from domain.identity.access import AccessGrants, RecordFacts
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError, ErrorCode, FieldError
from domain.shared.events import EventOrigin


@dataclass(frozen=True)
class SetExchangeRate:
    company_id: uuid.UUID
    currency: str
    effective_date: date
    rate: Decimal


@dataclass(frozen=True)
class ExchangeRateSet:
    company_id: uuid.UUID
    currency: str
    base_currency: str
    effective_date: date
    rate: Decimal


@dataclass(frozen=True)
class RevalueForeignBalances:
    company_id: uuid.UUID
    as_of: date
    gain_account_id: uuid.UUID
    loss_account_id: uuid.UUID
    auto_reverse: bool = False


@dataclass(frozen=True)
class Revaluation:
    entry: JournalEntry
    adjustments: tuple[Adjustment, ...]
    reversal: JournalEntry | None


async def set_exchange_rate(
    cmd: SetExchangeRate, uow: AccountingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> ExchangeRateSet:
    """Insert or replace the rate of `currency` effective on the date (journal:create: whoever
    may write entries may set the rates they convert at)."""
    _enter(grants, cmd.company_id)
    grants.check("journal", "create", company_id=cmd.company_id)
    async with uow:
        base = await company_currency(uow, cmd.company_id)
        code = check_rate_input(cmd.currency, base, cmd.rate)
        await uow.rates.set_rate(
            cmd.company_id, code, base, cmd.effective_date, cmd.rate, origin.user_id
        )
        await uow.commit()
    return ExchangeRateSet(cmd.company_id, code, base, cmd.effective_date, cmd.rate)


async def revalue_foreign_balances(
    cmd: RevalueForeignBalances,
    uow: AccountingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
) -> Revaluation:
    """One posted entry adjusting every foreign-currency balance to its base value at the
    `as_of` rate; with `auto_reverse` its mirror is posted on the day after as_of's period."""
    _enter(grants, cmd.company_id)
    _may(grants, "journal", "post", cmd.company_id)
    async with uow:
        base = await company_currency(uow, cmd.company_id)
        await uow.journals.ensure_partitions([cmd.as_of])
        balances = await uow.rates.foreign_balances(cmd.company_id, cmd.as_of)
        rates = await uow.rates.rates_on(
            cmd.company_id, {b.currency_code for b in balances}, cmd.as_of
        )
        # A revaluation that stays restates each open invoice and bill (its share is part of
        # its carrying amount until settled); an auto-reversed one is gone the next day.
        items = [] if cmd.auto_reverse else await _items_to_restate(uow, cmd, base)
        adjustments = revaluation(
            balances, rates, base_currency=base, as_of=cmd.as_of, items=items
        )
        if not adjustments:
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                f"Nothing to revalue on {cmd.as_of.isoformat()}: every foreign-currency balance "
                "is already booked at that date's rate.",
                "asOf",
            )
        accounts = await uow.accounts.get_many(
            {a.account_id for a in adjustments} | {cmd.gain_account_id, cmd.loss_account_id}
        )
        problems = [
            FieldError(ErrorCode.NOT_FOUND, "No such account in this company.", name)
            for name, key in (
                ("gainAccountId", cmd.gain_account_id),
                ("lossAccountId", cmd.loss_account_id),
            )
            if key not in accounts or accounts[key].company_id != cmd.company_id
        ]
        if problems:
            raise DomainError(problems)
        codes = {k: a.code for k, a in accounts.items()}
        lines = revaluation_lines(
            adjustments,
            gain_account_id=cmd.gain_account_id,
            loss_account_id=cmd.loss_account_id,
            label=lambda a: (
                f"Revalue {a.foreign_balance} {a.currency_code} on {codes[a.account_id]} "
                f"at {a.rate}"
            ),
        )
        now = utcnow()
        entry = JournalEntry.draft(
            company_id=cmd.company_id,
            base_currency=base,
            transaction_date=cmd.as_of,
            reference=REVALUATION_REFERENCE,
            description=f"Unrealized exchange gain/loss as of {cmd.as_of.isoformat()}",
            lines=lines,
            accounts=accounts,
            actor=origin.user_id,
            now=now,
            date_field="asOf",
        )
        facts = RecordFacts(owner_id=origin.user_id, amount=entry.total_amount)
        grants.check("journal", "post", company_id=cmd.company_id, facts=facts)
        await post_draft(entry, uow, origin, accounts, date_field="asOf")
        await uow.journals.add_posted(entry)
        await uow.rates.record_revaluation(
            entry, as_of=cmd.as_of, auto_reverse=cmd.auto_reverse, adjustments=adjustments
        )
        uow.record(entry.events)
        customers = await uow.rates.record_item_shares(
            entry, [share for a in adjustments for share in a.shares]
        )
        uow.record(receivables_revalued(cmd.company_id, entry, customers, now))
        reversal = None
        if cmd.auto_reverse:
            period = await uow.periods.period_on(cmd.company_id, cmd.as_of)
            assert period is not None  # the entry was just posted into it
            day = period.end_date + timedelta(days=1)
            await uow.journals.ensure_partitions([day])
            reversal = entry.mirror(
                reversal_date=day,
                # the entry's number is drawn at commit: name it by its date
                description=f"Auto-reversal of the revaluation as of {cmd.as_of.isoformat()}",
                accounts=accounts,
                actor=origin.user_id,
                now=now,
            )
            await post_draft(reversal, uow, origin, accounts, date_field="autoReverse")
            previous_version = entry.version
            entry.mark_reversed(reversal, now=now)
            await uow.journals.add_posted(reversal)
            await uow.journals.save_header(entry, previous_version=previous_version)
            uow.record(entry.events)  # JournalEntryReversed
            uow.record(reversal.events)
        await uow.commit()
    return Revaluation(entry, tuple(adjustments), reversal)


async def _items_to_restate(
    uow: AccountingUnitOfWork, cmd: RevalueForeignBalances, base: str
) -> list[OpenItem]:
    """The open foreign invoices and bills on `as_of`. Refused when one of them was settled
    by a payment or credit dated after as_of already: the revaluation would restate what that
    settlement relieved, and its share would stay behind in AR/AP."""
    settled = await uow.rates.settled_after(cmd.company_id, cmd.as_of, base)
    if settled:
        named = ", ".join(f"{number} on {day.isoformat()}" for number, day in settled[:5])
        raise DomainError.single(
            ErrorCode.INVALID_STATE,
            f"Settled after {cmd.as_of.isoformat()} already: {named}. A revaluation that stays "
            "must be dated on or after its documents' settlements; revalue with autoReverse, "
            "or as of a later date.",
            "asOf",
        )
    return await uow.rates.open_items(cmd.company_id, cmd.as_of, base)

