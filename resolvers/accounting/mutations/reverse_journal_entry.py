from __future__ import annotations

import strawberry

from domain.accounting import handlers
from domain.accounting.commands import ReverseJournalEntry
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.accounting.types import (
    JournalEntry,
    JournalEntryError,
    ReverseJournalEntryInput,
    ReverseJournalEntryPayload,
)


async def reverse_journal_entry(
    info: strawberry.Info, input: ReverseJournalEntryInput
) -> ReverseJournalEntryPayload:
    try:
        command = ReverseJournalEntry(
            entry_id=parse_id(input.id, "id", "journal entry"),
            reversal_date=input.reversal_date,
            description=input.description,
        )
        original, reversal = await run_command(info, handlers.reverse_journal_entry, command)
    except DomainError as exc:
        return ReverseJournalEntryPayload(
            journal_entry=None, reversal=None, errors=JournalEntryError.from_domain(exc.errors)
        )
    return ReverseJournalEntryPayload(
        journal_entry=JournalEntry.of(original), reversal=JournalEntry.of(reversal), errors=[]
    )
