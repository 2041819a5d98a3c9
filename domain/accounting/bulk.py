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
from decimal import Decimal
from typing import Protocol

from domain.accounting.commands import lines_fingerprint, request_fingerprint
from domain.accounting.currency import fill_rates, foreign_currencies_without_rate
from domain.accounting.handlers import checked_idempotency_key
from domain.accounting.model import Account, FiscalPeriod, JournalEntry, LineInput
from domain.accounting.ports import (
    AccountingUnitOfWork,
    JournalRepository,
    PostingCounter,
    PriorRequest,
)
from domain.identity.access import AccessGrants, Forbidden, RecordFacts
from domain.identity.plans import TenantLimits
from domain.shared.clock import utcnow
from domain.shared.errors import Conflict, DomainError, ErrorCode, FieldError, NotFound
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
    idempotency_key: str | None = None  # one key for the whole batch

    def fingerprint(self) -> str:
        return request_fingerprint(
            {
                "op": "postJournalEntries",
                "company": str(self.company_id),
                "entries": [
                    [
                        e.transaction_date.isoformat(),
                        (e.reference or "").strip(),
                        (e.description or "").strip(),
                        lines_fingerprint(e.lines),
                    ]
                    for e in self.entries
                ],
            }
        )

    def entry_id(self, key: str, index: int) -> uuid.UUID:
        """The id of entry `index` of a keyed batch: a retry finds the batch's entries by their
        ids (uuid5: the key names them, unique per company like the key)."""
        return uuid.uuid5(self.company_id, f"postJournalEntries:{key}:{index}")


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
    def limits(self) -> PostingCounter: ...


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
    key = checked_idempotency_key(cmd.idempotency_key)
    async with uow:
        await uow.journals.ensure_partitions({e.transaction_date for e in cmd.entries})
        if key is not None:
            fingerprint = cmd.fingerprint()
            prior = await uow.journals.claim_request(cmd.company_id, key, fingerprint)
            if prior is not None:
                return await _replay_batch(uow, cmd, key, prior, fingerprint)
        currency = await uow.accounts.company_currency(cmd.company_id)
        if currency is None:
            raise NotFound("Company", "companyId")
        accounts: dict[uuid.UUID, Account] = await uow.accounts.get_many(
            {ln.account_id for e in cmd.entries for ln in e.lines if ln.account_id is not None}
        )
        periods: dict[date, FiscalPeriod | None] = {}
        for day in sorted({e.transaction_date for e in cmd.entries}):
            periods[day] = await uow.periods.period_on(cmd.company_id, day)  # share-locked
        rates = await _stored_rates(uow, cmd, currency)
        now = utcnow()
        errors: list[FieldError] = []
        drafts: list[JournalEntry] = []
        for index, given in enumerate(cmd.entries):
            try:
                day = given.transaction_date
                entry = JournalEntry.draft(
                    company_id=cmd.company_id,
                    base_currency=currency,
                    transaction_date=day,
                    reference=given.reference,
                    description=given.description,
                    lines=fill_rates(given.lines, currency, rates.get(day, {}), day),
                    accounts=accounts,
                    actor=origin.user_id,
                    now=now,
                    entry_id=cmd.entry_id(key, index) if key is not None else None,
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
        by_year: dict[uuid.UUID, list[JournalEntry]] = {}
        for entry in drafts:
            period = periods[entry.transaction_date]
            assert period is not None
            entry.post(period=period, sequence=None, accounts=accounts, actor=origin.user_id,
                       now=now)  # fmt: skip
            by_year.setdefault(period.fiscal_year_id, []).append(entry)
        # The lock order of every posting (handlers): balance rows, then the year's number
        # sequence, as late as possible.
        await uow.journals.add_many_to_balances(drafts)
        # Counted in this month's postings before the numbers, like every posting (refused
        # here, LIMIT_EXCEEDED, if they would pass the plan's maxTransactions): one lock order,
        # count rows then number rows, for every posting.
        await uow.limits.count_postings(len(drafts), limits)
        # Numbers: one reservation per fiscal year, years locked in one order (no deadlocks),
        # numbers handed out in input order.
        for year_id in sorted(by_year, key=str):
            first = await uow.journals.next_numbers(cmd.company_id, year_id, len(by_year[year_id]))
            for offset, entry in enumerate(by_year[year_id]):
                entry.assign_number(first + offset)
        await uow.journals.add_many(drafts)
        if key is not None:
            await uow.journals.complete_request(cmd.company_id, key, drafts[0].id)
        for entry in drafts:
            uow.record(entry.events)
        await uow.commit()
    return drafts


async def _stored_rates(
    uow: BulkUnitOfWork, cmd: PostJournalEntries, base_currency: str
) -> dict[date, dict[str, Decimal]]:
    """Per posting day, the company's rates in force for the foreign lines sent without one
    (one lookup per day, as `with_rates` does for a single entry)."""
    wanted: dict[date, set[str]] = {}
    for given in cmd.entries:
        codes = foreign_currencies_without_rate(given.lines, base_currency)
        if codes:
            wanted.setdefault(given.transaction_date, set()).update(codes)
    return {
        day: await uow.rates.rates_on(cmd.company_id, codes, day)
        for day, codes in sorted(wanted.items())
    }


async def _replay_batch(
    uow: BulkUnitOfWork,
    cmd: PostJournalEntries,
    key: str,
    prior: PriorRequest,
    fingerprint: str,
) -> list[JournalEntry]:
    """A retry of a keyed batch: its entries as they stand now. Same key, other input: refused."""
    if prior.fingerprint != fingerprint:
        raise Conflict(
            "This idempotency key was already used for a different request; "
            "use a new key for a new request.",
            "idempotencyKey",
        )
    found = [await uow.journals.get(cmd.entry_id(key, i)) for i in range(len(cmd.entries))]
    entries = [e for e in found if e is not None]
    if len(entries) != len(cmd.entries):  # unreachable: a key commits with its entries
        raise Conflict("This idempotency key's request left no entries.", "idempotencyKey")
    return entries
