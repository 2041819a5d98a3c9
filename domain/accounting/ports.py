from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from domain.accounting.carrying import ItemShare, OpenItem
from domain.accounting.currency import Adjustment, ForeignBalance
from domain.accounting.model import Account, FiscalPeriod, FiscalYear, JournalEntry
from domain.identity.plans import TenantLimits
from domain.shared.idempotency import PriorRequest
from domain.shared.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PostingReads:
    currency: str  # the company's base currency
    accounts: dict[uuid.UUID, Account]  # of those asked for, the ones found (any company)
    period: FiscalPeriod | None  # covering the day asked for, share-locked; None: none or no day


class AccountRepository(Protocol):
    async def lock_chart(self, company_id: uuid.UUID) -> None:
        """Serialise changes to one company's chart until the transaction ends."""

    async def chart(self, company_id: uuid.UUID) -> list[Account]: ...

    async def get_for_update(self, account_id: uuid.UUID) -> Account | None: ...

    async def get_many(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Account]:
        """The accounts of this tenant with these ids (of any company: the caller checks)."""

    async def add(self, accounts: Sequence[Account]) -> None: ...

    async def save(self, account: Account, *, previous_version: int) -> None: ...

    async def has_postings(self, account_id: uuid.UUID) -> bool: ...

    async def company_currency(self, company_id: uuid.UUID) -> str | None:
        """The company's base currency, or None if there is no such company."""

    async def posting_reads(
        self, company_id: uuid.UUID, ids: Collection[uuid.UUID], day: date | None
    ) -> PostingReads | None:
        """`company_currency`, `get_many` and, with `day`, `PeriodRepository.period_on` in one
        round trip (what a posting reads first). None: there is no such company."""


class PeriodRepository(Protocol):
    async def lock_calendar(self, company_id: uuid.UUID) -> None: ...

    async def year_ranges(self, company_id: uuid.UUID) -> list[tuple[date, date]]: ...

    async def add_year(self, year: FiscalYear) -> None:
        """The year, its periods and its entry-number sequence."""

    async def period_for_update(self, period_id: uuid.UUID) -> FiscalPeriod | None: ...

    async def period_on(self, company_id: uuid.UUID, day: date) -> FiscalPeriod | None:
        """The period covering `day`, share-locked: it cannot close until this commits."""

    async def save_period(self, period: FiscalPeriod, *, previous_version: int) -> None: ...


class JournalRepository(Protocol):
    async def claim_request(
        self, company_id: uuid.UUID, key: str, fingerprint: str
    ) -> PriorRequest | None:
        """None: the key is new and now ours until commit (a concurrent request with the same
        key waits for us). Otherwise the request that used the key first."""

    async def complete_request(
        self, company_id: uuid.UUID, key: str, entry_id: uuid.UUID
    ) -> None: ...

    async def get(
        self, entry_id: uuid.UUID, *, for_update: bool = False
    ) -> JournalEntry | None: ...

    async def ensure_partitions(self, days: Iterable[date]) -> None:
        """Storage for journal lines on these days exists (monthly partitions)."""

    async def add(self, entry: JournalEntry) -> None:
        """Header and lines (a posted entry's balances are applied separately). A posted entry
        still awaiting its number is stored as a draft until `number_pending` posts it."""

    async def add_posted(self, entry: JournalEntry) -> None:
        """`add` and `add_to_balances` for a newly posted entry, in one round trip."""

    async def save_header(self, entry: JournalEntry, *, previous_version: int) -> None: ...

    @property
    def awaiting_numbers(self) -> int:
        """How many entries posted through this repository await their number (they count
        against maxTransactions)."""

    async def number_pending(self) -> int:
        """Draw the numbers of the entries posted through this repository that await one and
        write them with the posted header (the unit of work calls it right before commit).
        Returns how many were numbered."""

    def count_against(self, limits: TenantLimits) -> None:
        """This transaction's postings must fit the plan's monthly maxTransactions (checked at
        commit, when they are counted)."""

    async def next_number(self, company_id: uuid.UUID, fiscal_year_id: uuid.UUID) -> int:
        """The next gapless number of the year; the sequence stays locked until commit."""

    async def add_to_balances(self, entry: JournalEntry) -> None:
        """Add a posted entry's lines to the balance read models (same transaction)."""


class RateRepository(Protocol):
    async def set_rate(
        self,
        company_id: uuid.UUID,
        currency: str,
        base_currency: str,
        day: date,
        rate: Decimal,
        actor: uuid.UUID,
    ) -> None:
        """Insert or replace the company's rate for `currency` effective on `day`."""

    async def rates_on(
        self, company_id: uuid.UUID, currencies: Collection[str], day: date
    ) -> dict[str, Decimal]:
        """Per currency, the latest rate effective on or before `day` (absent: none)."""

    async def foreign_balances(self, company_id: uuid.UUID, as_of: date) -> list[ForeignBalance]:
        """Per account and foreign currency, from the per-currency read model."""

    async def record_revaluation(
        self,
        entry: JournalEntry,
        *,
        as_of: date,
        auto_reverse: bool,
        adjustments: Sequence[Adjustment],
    ) -> None: ...

    async def open_items(
        self, company_id: uuid.UUID, as_of: date, base_currency: str
    ) -> list[OpenItem]:
        """Foreign invoices and bills dated on or before `as_of` and open, at their carrying
        amounts on `as_of`."""

    async def settled_after(
        self, company_id: uuid.UUID, as_of: date, base_currency: str
    ) -> list[tuple[str, date]]:
        """Foreign documents dated on or before `as_of` settled after it: (number, date)."""

    async def record_item_shares(
        self, entry: JournalEntry, shares: Sequence[ItemShare]
    ) -> dict[uuid.UUID, Decimal]:
        """Keep the documents' shares (suppliers' balances take theirs); per customer the
        receivable change."""

    async def cancel_item_shares(self, entry_id: uuid.UUID) -> dict[uuid.UUID, Decimal]:
        """A revaluation reversed: its shares stop counting; per customer the change."""

    async def revalued_on(
        self, document_ids: Collection[uuid.UUID], day: date
    ) -> dict[uuid.UUID, Decimal]:
        """Per document, its revaluation shares in force on `day`."""

    async def revalued_after(
        self, document_ids: Collection[uuid.UUID], day: date
    ) -> dict[uuid.UUID, date]:
        """Documents with a share of a revaluation that stays dated after `day`."""


class AccountingUnitOfWork(UnitOfWork, Protocol):
    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def periods(self) -> PeriodRepository: ...

    @property
    def journals(self) -> JournalRepository: ...

    @property
    def rates(self) -> RateRepository: ...


class PostingCounter(Protocol):
    """Posted entries per calendar month (`uow.limits`, see db/tenant_plans.py)."""

    async def count_postings(self, entries: int, limits: TenantLimits | None = None) -> None:
        """Count `entries` posted in this transaction; with `limits`, LIMIT_EXCEEDED if they
        would pass maxTransactions."""
