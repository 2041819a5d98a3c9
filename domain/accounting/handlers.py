"""Command handlers: one function per command, one transaction per call.

Company scoping: a company the caller may not enter reads as "not found" — the same answer as
for one that does not exist. Permissions are checked against the record once it is known, so
conditions such as "amounts up to N" apply to the entry's total.

Lock order inside a transaction (the same everywhere, so concurrent commands cannot deadlock):
journal-line storage for the dates involved (rarely taken: partitions exist ahead), the
idempotency key, the entry row, the period row (shared), balance rows in account order, the
year's entry-number sequence, and last one lane of the audit chain (both in the unit of work's
commit).

Entry numbers are gapless per company and fiscal year, so the year's sequence row stays locked
from the draw to the commit: every posting of the year queues there. The number is therefore
drawn as late as possible — `post_draft` posts without one, and the journal repository draws it
(and writes it into the header and the events) in the unit of work's commit, after every other
write and right before the audit row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date

from domain.accounting.carrying_events import receivables_revalued
from domain.accounting.commands import (
    IDEMPOTENCY_KEY_MAX,
    ClosePeriod,
    CreateAccount,
    CreateFiscalYear,
    CreateJournalEntry,
    LockPeriod,
    PostJournalEntry,
    ReopenPeriod,
    ReverseJournalEntry,
    UpdateAccount,
)
from domain.accounting.currency import fill_rates, foreign_currencies_without_rate
from domain.accounting.model import (
    Account,
    ChartOfAccounts,
    FiscalPeriod,
    FiscalYear,
    JournalEntry,
    LineInput,
)
from domain.accounting.ports import AccountingUnitOfWork, PostingReads, PriorRequest
from domain.identity.access import AccessGrants, Forbidden, RecordFacts
from domain.identity.plans import TenantLimits
from domain.shared.clock import utcnow
from domain.shared.errors import Conflict, DomainError, ErrorCode, NotFound
from domain.shared.events import EventOrigin


def _enter(grants: AccessGrants, company_id: uuid.UUID) -> None:
    if not grants.can_enter(company_id):
        raise NotFound("Company", "companyId")


def _may(grants: AccessGrants, resource: str, action: str, company_id: uuid.UUID) -> None:
    """Refuse early if the caller holds the permission in no form at all (conditions, if any,
    are checked with the record's facts once the record is known)."""
    if not grants.allows(resource, action, company_id):
        raise Forbidden(f"You lack permission {resource}:{action} in this company.")


async def company_currency(uow: AccountingUnitOfWork, company_id: uuid.UUID) -> str:
    currency = await uow.accounts.company_currency(company_id)
    if currency is None:
        raise NotFound("Company", "companyId")
    return currency


async def posting_reads(
    uow: AccountingUnitOfWork,
    company_id: uuid.UUID,
    lines: Sequence[LineInput],
    day: date | None,
) -> PostingReads:
    """What a posting on `day` reads first (the period only with a day), in one round trip."""
    reads = await uow.accounts.posting_reads(
        company_id, {line.account_id for line in lines if line.account_id is not None}, day
    )
    if reads is None:
        raise NotFound("Company", "companyId")
    return reads


# -- accounts ------------------------------------------------------------------------------------


async def create_account(
    cmd: CreateAccount, uow: AccountingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Account:
    _enter(grants, cmd.company_id)
    grants.check("account", "create", company_id=cmd.company_id)
    async with uow:
        await company_currency(uow, cmd.company_id)
        await uow.accounts.lock_chart(cmd.company_id)
        chart = ChartOfAccounts(cmd.company_id, await uow.accounts.chart(cmd.company_id))
        account = chart.open_account(
            code=cmd.code,
            name=cmd.name,
            account_type=cmd.account_type,
            subtype=cmd.subtype,
            parent_id=cmd.parent_id,
            actor=origin.user_id,
            now=utcnow(),
        )
        await uow.accounts.add([account])
        uow.record(account.events)
        await uow.commit()
    return account


async def update_account(
    cmd: UpdateAccount, uow: AccountingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Account:
    async with uow:
        found = (await uow.accounts.get_many([cmd.account_id])).get(cmd.account_id)
        if found is None or not grants.can_enter(found.company_id):
            raise NotFound("Account")
        grants.check(
            "account",
            "update",
            company_id=found.company_id,
            facts=RecordFacts(owner_id=found.created_by),
        )
        await uow.accounts.lock_chart(found.company_id)
        chart = ChartOfAccounts(found.company_id, await uow.accounts.chart(found.company_id))
        account = chart.accounts[found.id]  # read again under the chart's lock
        previous_version = account.version
        type_changes = (
            "account_type" in cmd.changes and cmd.changes["account_type"] != account.account_type
        )
        chart.update_account(
            account,
            expected_version=cmd.expected_version,
            changes=cmd.changes,
            has_postings=type_changes and await uow.accounts.has_postings(account.id),
            actor=origin.user_id,
            now=utcnow(),
        )
        if account.version != previous_version:
            await uow.accounts.save(account, previous_version=previous_version)
            uow.record(account.events)
            await uow.commit()
    return account


# -- fiscal years and periods --------------------------------------------------------------------


async def create_fiscal_year(
    cmd: CreateFiscalYear, uow: AccountingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> FiscalYear:
    _enter(grants, cmd.company_id)
    grants.check("period", "create", company_id=cmd.company_id)
    async with uow:
        await company_currency(uow, cmd.company_id)
        await uow.periods.lock_calendar(cmd.company_id)
        year = FiscalYear.create(
            company_id=cmd.company_id,
            start_date=cmd.start_date,
            end_date=cmd.end_date,
            name=cmd.name,
            existing=await uow.periods.year_ranges(cmd.company_id),
            actor=origin.user_id,
            now=utcnow(),
        )
        await uow.journals.ensure_partitions(year.months())  # storage ready before any posting
        await uow.periods.add_year(year)
        uow.record(year.events)
        await uow.commit()
    return year


async def _change_period(
    period_id: uuid.UUID,
    action: str,
    change: Callable[[FiscalPeriod], None],
    uow: AccountingUnitOfWork,
    grants: AccessGrants,
) -> FiscalPeriod:
    async with uow:
        period = await uow.periods.period_for_update(period_id)  # waits for postings into it
        if period is None or not grants.can_enter(period.company_id):
            raise NotFound("Fiscal period")
        grants.check("period", action, company_id=period.company_id)
        previous_version = period.version
        change(period)
        await uow.periods.save_period(period, previous_version=previous_version)
        uow.record(period.events)
        await uow.commit()
    return period


async def close_period(
    cmd: ClosePeriod, uow: AccountingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> FiscalPeriod:
    now = utcnow()
    return await _change_period(
        cmd.period_id, "close", lambda p: p.close(actor=origin.user_id, now=now), uow, grants
    )


async def reopen_period(
    cmd: ReopenPeriod, uow: AccountingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> FiscalPeriod:
    now = utcnow()
    return await _change_period(
        cmd.period_id, "reopen", lambda p: p.reopen(actor=origin.user_id, now=now), uow, grants
    )


async def lock_period(
    cmd: LockPeriod, uow: AccountingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> FiscalPeriod:
    now = utcnow()
    return await _change_period(
        cmd.period_id, "lock", lambda p: p.lock(actor=origin.user_id, now=now), uow, grants
    )


# -- journal entries -----------------------------------------------------------------------------


def checked_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX:
        raise DomainError.single(
            ErrorCode.INVALID,
            f"An idempotency key has 1 to {IDEMPOTENCY_KEY_MAX} characters.",
            "idempotencyKey",
        )
    return key


async def _replay(uow: AccountingUnitOfWork, prior: PriorRequest, fingerprint: str) -> JournalEntry:
    """A retry: the first request's result, as it stands now. Same key, other input: refused."""
    if prior.fingerprint != fingerprint:
        raise Conflict(
            "This idempotency key was already used for a different request; "
            "use a new key for a new request.",
            "idempotencyKey",
        )
    entry = await uow.journals.get(prior.result_id) if prior.result_id else None
    if entry is None:  # unreachable: a key is only ever committed with its entry
        raise Conflict("This idempotency key's request left no entry.", "idempotencyKey")
    return entry


async def post_draft(
    entry: JournalEntry,
    uow: AccountingUnitOfWork,
    origin: EventOrigin,
    accounts: dict[uuid.UUID, Account],
    *,
    date_field: str = "postingDate",
) -> None:
    """Posts `entry` (share-locking its period); its number is drawn at commit (see above)."""
    period = await uow.periods.period_on(entry.company_id, entry.transaction_date)
    post_in(entry, period, origin, accounts, date_field=date_field)


def post_in(
    entry: JournalEntry,
    period: FiscalPeriod | None,
    origin: EventOrigin,
    accounts: dict[uuid.UUID, Account],
    *,
    date_field: str = "postingDate",
) -> None:
    """`post_draft` with the period covering the entry's date already read (share-locked)."""
    entry.check_postable(period, accounts, date_field=date_field)
    assert period is not None
    entry.post(
        period=period,
        sequence=None,
        accounts=accounts,
        actor=origin.user_id,
        now=utcnow(),
        date_field=date_field,
    )


async def with_rates(
    uow: AccountingUnitOfWork,
    company_id: uuid.UUID,
    base_currency: str,
    day: date,
    lines: Sequence[LineInput],
) -> tuple[LineInput, ...]:
    """Foreign lines without a rate take the company's rate in force on `day`."""
    wanted = foreign_currencies_without_rate(lines, base_currency)
    if not wanted:
        return tuple(lines)
    rates = await uow.rates.rates_on(company_id, wanted, day)
    return fill_rates(lines, base_currency, rates, day)


async def create_journal_entry(
    cmd: CreateJournalEntry,
    uow: AccountingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    limits: TenantLimits | None = None,
) -> JournalEntry:
    """A draft, or with `post` a posted entry, in one transaction. A posting counts against
    the plan's monthly `maxTransactions` (`limits`; LIMIT_EXCEEDED at commit)."""
    _enter(grants, cmd.company_id)
    _may(grants, "journal", "create", cmd.company_id)
    if cmd.post:
        _may(grants, "journal", "post", cmd.company_id)
    key = checked_idempotency_key(cmd.idempotency_key)
    async with uow:
        await uow.journals.ensure_partitions([cmd.transaction_date])
        if key is not None:
            fingerprint = cmd.fingerprint()
            prior = await uow.journals.claim_request(cmd.company_id, key, fingerprint)
            if prior is not None:
                return await _replay(uow, prior, fingerprint)
        reads = await posting_reads(
            uow, cmd.company_id, cmd.lines, cmd.transaction_date if cmd.post else None
        )
        currency, accounts = reads.currency, reads.accounts
        lines = await with_rates(uow, cmd.company_id, currency, cmd.transaction_date, cmd.lines)
        entry = JournalEntry.draft(
            company_id=cmd.company_id,
            base_currency=currency,
            transaction_date=cmd.transaction_date,
            reference=cmd.reference,
            description=cmd.description,
            lines=lines,
            accounts=accounts,
            actor=origin.user_id,
            now=utcnow(),
        )
        facts = RecordFacts(owner_id=origin.user_id, amount=entry.total_amount)
        grants.check("journal", "create", company_id=cmd.company_id, facts=facts)
        if cmd.post:
            grants.check("journal", "post", company_id=cmd.company_id, facts=facts)
            post_in(entry, reads.period, origin, accounts)
            if limits is not None:
                uow.journals.count_against(limits)
        if cmd.post:
            await uow.journals.add_posted(entry)
        else:
            await uow.journals.add(entry)
        if key is not None:
            await uow.journals.complete_request(cmd.company_id, key, entry.id)
        uow.record(entry.events)
        await uow.commit()
    return entry


async def post_journal_entry(
    cmd: PostJournalEntry,
    uow: AccountingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    limits: TenantLimits | None = None,
) -> JournalEntry:
    """Posts a draft; counts against the plan's monthly `maxTransactions` (`limits`)."""
    key = checked_idempotency_key(cmd.idempotency_key)
    async with uow:
        found = await uow.journals.get(cmd.entry_id)
        if found is None or not grants.can_enter(found.company_id):
            raise NotFound("Journal entry")
        company_id = found.company_id
        _may(grants, "journal", "post", company_id)
        await uow.journals.ensure_partitions([found.transaction_date])
        if key is not None:
            fingerprint = cmd.fingerprint()
            prior = await uow.journals.claim_request(company_id, key, fingerprint)
            if prior is not None:
                return await _replay(uow, prior, fingerprint)
        entry = await uow.journals.get(cmd.entry_id, for_update=True)
        assert entry is not None  # entries are never deleted
        grants.check(
            "journal",
            "post",
            company_id=company_id,
            facts=RecordFacts(owner_id=entry.created_by, amount=entry.total_amount),
        )
        previous_version = entry.version
        await post_draft(entry, uow, origin, await uow.accounts.get_many(entry.account_ids))
        if limits is not None:
            uow.journals.count_against(limits)
        await uow.journals.save_header(entry, previous_version=previous_version)
        await uow.journals.add_to_balances(entry)
        if key is not None:
            await uow.journals.complete_request(company_id, key, entry.id)
        uow.record(entry.events)
        await uow.commit()
    return entry


async def reverse_journal_entry(
    cmd: ReverseJournalEntry,
    uow: AccountingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
) -> tuple[JournalEntry, JournalEntry]:
    """Posts the mirror entry (on `reversal_date`, default the original's) and marks the
    original reversed. Returns (original, reversal)."""
    async with uow:
        found = await uow.journals.get(cmd.entry_id)
        if found is None or not grants.can_enter(found.company_id):
            raise NotFound("Journal entry")
        company_id = found.company_id
        _may(grants, "journal", "reverse", company_id)
        await uow.journals.ensure_partitions([cmd.reversal_date or found.transaction_date])
        original = await uow.journals.get(cmd.entry_id, for_update=True)
        assert original is not None
        grants.check(
            "journal",
            "reverse",
            company_id=company_id,
            facts=RecordFacts(owner_id=original.created_by, amount=original.total_amount),
        )
        original.check_reversible()
        accounts = await uow.accounts.get_many(original.account_ids)
        reversal = original.mirror(
            reversal_date=cmd.reversal_date,
            description=cmd.description,
            accounts=accounts,
            actor=origin.user_id,
            now=utcnow(),
        )
        await post_draft(reversal, uow, origin, accounts, date_field="date")
        previous_version = original.version
        original.mark_reversed(reversal, now=utcnow())
        await uow.journals.add_posted(reversal)
        await uow.journals.save_header(original, previous_version=previous_version)
        uow.record(original.events)  # first: the audit row is about the original
        uow.record(reversal.events)
        # A revaluation's shares of open invoices/bills end with it (sub-ledgers follow).
        customers = await uow.rates.cancel_item_shares(original.id)
        if customers:
            uow.record(receivables_revalued(company_id, reversal, customers, utcnow()))
        await uow.commit()
    return original, reversal
