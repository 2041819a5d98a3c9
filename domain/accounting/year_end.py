"""Year-end close: a closing entry moves the year's net income to retained earnings, then every
period of the year closes. One transaction.

The closing entry is posted on the year's last day as an entry of its own kind
(`EntryKind.YEAR_END_CLOSING`, which nothing else sets), so the income statement can leave it
out (the year's income statement still shows the year's figures) while the balance sheet and
the balance read models see it (the next year's income statement starts at zero, retained
earnings carry the income). Its reference, `YEAR-END:<year id>`, is only a label for people.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from domain.accounting.model import AccountType, EntryKind, JournalEntry, LineInput
from domain.accounting.ports import AccountingUnitOfWork
from domain.identity.access import AccessGrants
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError, ErrorCode, NotFound
from domain.shared.events import EventOrigin

ZERO = Decimal(0)


@dataclass(frozen=True)
class CloseFiscalYear:
    fiscal_year_id: uuid.UUID
    retained_earnings_account_id: uuid.UUID


@dataclass(frozen=True)
class YearFacts:
    id: uuid.UUID
    company_id: uuid.UUID
    name: str
    start_date: date
    end_date: date
    period_ids: tuple[uuid.UUID, ...]  # in date order


class YearEndReader(Protocol):
    """Reads inside the command's transaction."""

    async def year(self, fiscal_year_id: uuid.UUID) -> YearFacts | None: ...

    async def profit_and_loss(
        self, company_id: uuid.UUID, start: date, end: date
    ) -> dict[uuid.UUID, Decimal]:
        """Revenue and expense accounts' debit - credit posted from start to end."""
        ...


def closing_lines(
    nets: dict[uuid.UUID, Decimal], retained_earnings: uuid.UUID
) -> tuple[LineInput, ...]:
    """Each P&L balance reversed, the difference to retained earnings (net income credited,
    a loss debited). Empty when nothing is to move."""
    lines = []
    total = ZERO
    for account_id, net in sorted(nets.items(), key=lambda kv: str(kv[0])):
        if net == 0:
            continue
        total += net
        lines.append(
            LineInput(account_id=account_id, credit=net)
            if net > 0
            else LineInput(account_id=account_id, debit=-net)
        )
    if total > 0:
        lines.append(LineInput(account_id=retained_earnings, debit=total))
    elif total < 0:
        lines.append(LineInput(account_id=retained_earnings, credit=-total))
    return tuple(lines)


async def close_fiscal_year(
    cmd: CloseFiscalYear,
    uow: AccountingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    *,
    reader: YearEndReader,
) -> tuple[YearFacts, JournalEntry | None]:
    async with uow:
        year = await reader.year(cmd.fiscal_year_id)
        if year is None or not grants.can_enter(year.company_id):
            raise NotFound("Fiscal year", "fiscalYearId")
        grants.check("period", "close", company_id=year.company_id)
        await uow.journals.ensure_partitions([year.end_date])  # storage first (lock order)
        periods = []
        for period_id in year.period_ids:  # locks each: waits for postings into it
            period = await uow.periods.period_for_update(period_id)
            assert period is not None
            periods.append(period)
        if not periods or periods[-1].status.value != "open":
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                f"The last period of {year.name} is not open; the year is already closed.",
                "fiscalYearId",
            )
        found = await uow.accounts.get_many({cmd.retained_earnings_account_id})
        target = found.get(cmd.retained_earnings_account_id)
        if target is None or target.company_id != year.company_id:
            raise NotFound("Account", "retainedEarningsAccountId")
        if target.account_type is not AccountType.EQUITY:
            raise DomainError.single(
                ErrorCode.INVALID,
                "Net income closes to an equity account (retained earnings).",
                "retainedEarningsAccountId",
            )
        currency = await uow.accounts.company_currency(year.company_id)
        assert currency is not None
        nets = await reader.profit_and_loss(year.company_id, year.start_date, year.end_date)
        lines = closing_lines(nets, target.id)
        now = utcnow()
        entry = None
        if lines:
            accounts = await uow.accounts.get_many(
                {line.account_id for line in lines if line.account_id}
            )
            entry = JournalEntry.draft(
                company_id=year.company_id,
                base_currency=currency,
                transaction_date=year.end_date,
                reference=f"YEAR-END:{year.id}",
                description=f"Year-end close {year.name}: net income to retained earnings",
                lines=lines,
                accounts=accounts,
                actor=origin.user_id,
                now=now,
                kind=EntryKind.YEAR_END_CLOSING,
            )
            last = periods[-1]
            entry.check_postable(last, accounts)
            entry.post(  # numbered at commit, like every posting (see handlers)
                period=last, sequence=None, accounts=accounts, actor=origin.user_id, now=now
            )
            await uow.journals.add_posted(entry)
            uow.record(entry.events)
        for period in periods:
            if period.status.value == "open":
                previous_version = period.version
                period.close(actor=origin.user_id, now=now)
                await uow.periods.save_period(period, previous_version=previous_version)
                uow.record(period.events)
        await uow.commit()
    return year, entry
