from __future__ import annotations

import strawberry

from domain.accounting import handlers
from domain.accounting.commands import PostJournalEntry
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.accounting.types import (
    JournalEntry,
    JournalEntryError,
    JournalEntryPayload,
    PostJournalEntryInput,
)


async def post_journal_entry(
    info: strawberry.Info, input: PostJournalEntryInput
) -> JournalEntryPayload:
    try:
        command = PostJournalEntry(
            entry_id=parse_id(input.id, "id", "journal entry"),
            idempotency_key=input.idempotency_key,
        )
        entry = await run_command(
            info, handlers.post_journal_entry, command, limits=info.context.limits
        )
    except DomainError as exc:
        return JournalEntryPayload(
            journal_entry=None, errors=JournalEntryError.from_domain(exc.errors)
        )
    return JournalEntryPayload(journal_entry=JournalEntry.of(entry), errors=[])
