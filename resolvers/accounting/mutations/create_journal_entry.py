from __future__ import annotations

import strawberry

from domain.accounting import handlers
from domain.accounting.commands import CreateJournalEntry
from domain.accounting.model import LineInput
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.accounting.types import (
    CreateJournalEntryInput,
    JournalEntry,
    JournalEntryError,
    JournalEntryPayload,
)


async def create_journal_entry(
    info: strawberry.Info, input: CreateJournalEntryInput
) -> JournalEntryPayload:
    try:
        command = CreateJournalEntry(
            company_id=parse_id(input.company_id, "companyId", "company"),
            transaction_date=input.posting_date,
            reference=input.reference,
            description=input.description,
            lines=tuple(
                LineInput(
                    account_id=parse_id(line.account_id, f"lines.{i}.accountId", "account"),
                    debit=line.debit,
                    credit=line.credit,
                    description=line.description,
                    currency_code=line.currency_code,
                    exchange_rate=line.exchange_rate,
                )
                for i, line in enumerate(input.lines)
            ),
            post=input.post,
            idempotency_key=input.idempotency_key,
        )
        entry = await run_command(
            info, handlers.create_journal_entry, command, limits=info.context.limits
        )
    except DomainError as exc:
        return JournalEntryPayload(
            journal_entry=None, errors=JournalEntryError.from_domain(exc.errors)
        )
    return JournalEntryPayload(journal_entry=JournalEntry.of(entry), errors=[])
