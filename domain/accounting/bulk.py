"""Bulk posting: many journal entries in one transaction, all or nothing.

Every entry is validated (drafted, its period and accounts checked, the caller's amount
conditions applied) before anything is written; the errors of all entries come back together,
each field prefixed with `entries.<index>.`. Only then are numbers drawn (one lock and one
update per fiscal year), and headers, lines and balances written in batches.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from domain.accounting.model import Account, FiscalPeriod, JournalEntry, LineInput
from domain.accounting.ports import AccountingUnitOfWork, JournalRepository
from domain.identity.access import AccessGrants, Forbidden, RecordFacts
from domain.identity.plans import LimitCounter, TenantLimits, enforce_limit
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError, ErrorCode, FieldError, NotFound
from domain.shared.events import EventOrigin

MAX_BULK_ENTRIES = 1_000


@dataclass(frozen=True)
class BulkEntry:
    transaction_date: date
    lines: tuple[LineInput, ...]
    reference: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class PostJournalEntries:
    company_id: uuid.UUID
    entries: tuple[BulkEntry, ...]


class BulkJournalRepository(JournalRepository, Protocol):
    async def next_numbers(
        self, company_id: uuid.UUID, fiscal_year_id: uuid.UUID, count: int
    ) -> int:
        """Reserve `count` consecutive numbers of the year; returns the first (locked until
        commit)."""

    async def add_many(self, entries: Sequence[JournalEntry]) -> None:
        """Headers and lines of many entries, in batched statements."""

    async def add_many_to_balances(self, entries: Sequence[JournalEntry]) -> None:
        """One aggregated upsert per balance table for all posted entries."""


class BulkUnitOfWork(AccountingUnitOfWork, Protocol):
    @property
    def journals(self) -> BulkJournalRepository: ...

    @property
    def limits(self) -> LimitCounter: ...


def _prefixed(index: int, errors: Sequence[FieldError]) -> list[FieldError]:
    return [
        FieldError(
            e.code, e.message, f"entries.{index}.{e.field}" if e.field else f"entries.{index}"
        )
        for e in errors
    ]


async def post_journal_entries(
    cmd: PostJournalEntries,
    uow: BulkUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    limits: TenantLimits | None = None,
) -> list[JournalEntry]:
    """Posted entries in input order, or DomainError listing every entry's problems."""
    if not grants.can_enter(cmd.company_id):
        raise NotFound("Company", "companyId")
    if not grants.allows("journal", "post", cmd.company_id):
        raise Forbidden("You lack permission journal:post in this company.")
    if not cmd.entries or len(cmd.entries) > MAX_BULK_ENTRIES:
        raise DomainError.single(
            ErrorCode.INVALID,
            f"Send 1 to {MAX_BULK_ENTRIES} entries; got {len(cmd.entries)}.",
            "entries",
        )
    async with uow:
        await uow.journals.ensure_partitions({e.transaction_date for e in cmd.entries})
        currency = await uow.accounts.company_currency(cmd.company_id)
        if currency is None:
            raise NotFound("Company", "companyId")
        accounts: dict[uuid.UUID, Account] = await uow.accounts.get_many(
            {ln.account_id for e in cmd.entries for ln in e.lines if ln.account_id is not None}
        )
        periods: dict[date, FiscalPeriod | None] = {}
        for day in sorted({e.transaction_date for e in cmd.entries}):
            periods[day] = await uow.periods.period_on(cmd.company_id, day)  # share-locked
        now = utcnow()
        errors: list[FieldError] = []
        drafts: list[JournalEntry] = []
        for index, given in enumerate(cmd.entries):
            try:
                entry = JournalEntry.draft(
                    company_id=cmd.company_id,
                    base_currency=currency,
                    transaction_date=given.transaction_date,
                    reference=given.reference,
                    description=given.description,
                    lines=given.lines,
                    accounts=accounts,
                    actor=origin.user_id,
                    now=now,
                )
                facts = RecordFacts(owner_id=origin.user_id, amount=entry.total_amount)
                grants.check("journal", "post", company_id=cmd.company_id, facts=facts)
                entry.check_postable(periods[given.transaction_date], accounts)
            except DomainError as exc:
                errors.extend(_prefixed(index, exc.errors))
                continue
            drafts.append(entry)
        if errors:
            raise DomainError(errors)
        if limits is not None:
            await enforce_limit(uow.limits, limits, "maxTransactions", len(drafts))
        # Numbers: one reservation per fiscal year, years locked in one order (no deadlocks),
        # numbers handed out in input order.
        by_year: dict[uuid.UUID, list[JournalEntry]] = {}
        for entry in drafts:
            period = periods[entry.transaction_date]
            assert period is not None
            by_year.setdefault(period.fiscal_year_id, []).append(entry)
        for year_id in sorted(by_year, key=str):
            first = await uow.journals.next_numbers(cmd.company_id, year_id, len(by_year[year_id]))
            for offset, entry in enumerate(by_year[year_id]):
                period = periods[entry.transaction_date]
                assert period is not None
                entry.post(
                    period=period,
                    sequence=first + offset,
                    accounts=accounts,
                    actor=origin.user_id,
                    now=now,
                )
        await uow.journals.add_many(drafts)
        await uow.journals.add_many_to_balances(drafts)
        for entry in drafts:
            uow.record(entry.events)
        await uow.commit()
    return drafts
