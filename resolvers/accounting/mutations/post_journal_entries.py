"""postJournalEntries: up to 1,000 entries posted in one transaction, all or nothing."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from domain.accounting.bulk import BulkEntry, PostJournalEntries, post_journal_entries
from domain.accounting.model import LineInput
from domain.shared.errors import DomainError, ErrorCode, FieldError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.accounting.types import JournalEntry, JournalEntryError, JournalLineInput


@strawberry.input(description="One entry of postJournalEntries (posted at once).")
class JournalEntryInput:
    posting_date: date
    lines: list[JournalLineInput]
    reference: str | None = None
    description: str | None = None


@strawberry.type(
    description="The posted entries in input order (gapless numbers), or — if any entry is "
    "invalid — no entries and every error, `field` as `entries.<i>.lines.<j>.debit`."
)
class PostJournalEntriesPayload:
    journal_entries: list[JournalEntry]
    errors: list[JournalEntryError]


def _command(
    company_id: strawberry.ID, entries: list[JournalEntryInput], idempotency_key: str | None
) -> PostJournalEntries:
    company = parse_id(company_id, "companyId", "company")
    problems: list[FieldError] = []
    built: list[BulkEntry] = []
    for i, entry in enumerate(entries):
        lines: list[LineInput] = []
        for j, line in enumerate(entry.lines):
            try:
                account = parse_id(line.account_id, f"entries.{i}.lines.{j}.accountId", "account")
            except DomainError as exc:
                problems.extend(exc.errors)
                continue
            lines.append(
                LineInput(
                    account_id=account,
                    debit=line.debit,
                    credit=line.credit,
                    description=line.description,
                    currency_code=line.currency_code,
                    exchange_rate=line.exchange_rate,
                )
            )
        built.append(
            BulkEntry(
                transaction_date=entry.posting_date,
                lines=tuple(lines),
                reference=entry.reference,
                description=entry.description,
            )
        )
    if problems:
        raise DomainError(problems)
    return PostJournalEntries(
        company_id=company, entries=tuple(built), idempotency_key=idempotency_key
    )


async def post_journal_entries_resolver(
    info: strawberry.Info,
    company_id: strawberry.ID,
    entries: list[JournalEntryInput],
    idempotency_key: Annotated[
        str | None,
        strawberry.argument(
            description="One key for the whole batch: a retry with the same key and entries "
            "returns the batch posted first; the same key with other entries is refused."
        ),
    ] = None,
) -> PostJournalEntriesPayload:
    context = info.context
    try:
        if len(entries) > 1_000:
            raise DomainError.single(
                ErrorCode.INVALID, f"Send at most 1000 entries; got {len(entries)}.", "entries"
            )
        command = _command(company_id, entries, idempotency_key)
        posted = await run_command(info, post_journal_entries, command, limits=context.limits)
    except DomainError as exc:
        return PostJournalEntriesPayload(
            journal_entries=[], errors=JournalEntryError.from_domain(exc.errors)
        )
    return PostJournalEntriesPayload(
        journal_entries=[JournalEntry.of(e) for e in posted], errors=[]
    )
