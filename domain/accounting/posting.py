"""Posting from other contexts: a stock movement or an invoice books its journal entry in the
same transaction as the document itself, so stock, sub-ledgers and the books never disagree.

The caller's command has already been authorised (moving stock or posting an invoice implies
its entry), so no journal permission is asked again here. The caller has entered the unit of
work and commits it; its own locks come first, then this takes the accounting locks in the
order `handlers` documents.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from domain.accounting.handlers import post_in, posting_reads, with_rates
from domain.accounting.model import JournalEntry, LineInput
from domain.accounting.ports import AccountingUnitOfWork
from domain.shared.clock import utcnow
from domain.shared.events import EventOrigin


async def post_entry_within(
    uow: AccountingUnitOfWork,
    origin: EventOrigin,
    *,
    company_id: uuid.UUID,
    transaction_date: date,
    lines: Sequence[LineInput],
    reference: str | None = None,
    description: str | None = None,
    date_field: str = "date",
) -> JournalEntry:
    """Draft, check and post a balanced entry inside `uow`'s open transaction.

    Lines with a zero amount on both sides are dropped (a free item books nothing); the entry
    must still balance. Raises DomainError (e.g. PERIOD_CLOSED naming `date_field`) — the caller
    lets it propagate, so its whole command rolls back.
    """
    await uow.journals.ensure_partitions([transaction_date])
    kept = [line for line in lines if (line.debit or 0) != 0 or (line.credit or 0) != 0]
    reads = await posting_reads(uow, company_id, kept, transaction_date)
    currency, accounts = reads.currency, reads.accounts
    filled = await with_rates(uow, company_id, currency, transaction_date, kept)
    entry = JournalEntry.draft(
        company_id=company_id,
        base_currency=currency,
        transaction_date=transaction_date,
        reference=reference,
        description=description,
        lines=filled,
        accounts=accounts,
        actor=origin.user_id,
        now=utcnow(),
        date_field=date_field,
    )
    post_in(entry, reads.period, origin, accounts, date_field=date_field)
    await uow.journals.add_posted(entry)
    uow.record(entry.events)
    return entry
