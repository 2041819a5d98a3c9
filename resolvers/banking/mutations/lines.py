"""matchBankLine, unmatchBankLine, createEntryFromBankLine, autoMatchBankLines."""

from __future__ import annotations

import uuid

import strawberry

from db.readmodels import banking as read
from domain.banking import handlers
from domain.banking.commands import (
    AutoMatchBankLines,
    CreateEntryFromBankLine,
    MatchBankLine,
    MatchTarget,
    UnmatchBankLine,
)
from domain.shared.errors import DomainError
from resolvers.command_ports import BANKING
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.accounting.types import JournalEntry
from schema.banking.types import (
    AutoMatchBankLinesError,
    AutoMatchBankLinesInput,
    AutoMatchBankLinesPayload,
    BankLineError,
    BankLinePayload,
    BankStatementLine,
    CreateEntryFromBankLineInput,
    CreateEntryFromBankLinePayload,
    MatchBankLineInput,
    UnmatchBankLineInput,
)


async def _line(info: strawberry.Info, line_id: uuid.UUID) -> BankStatementLine:
    rows = await read.lines_by_id(info.context.tenant_engine, [line_id])
    return BankStatementLine.from_row(rows[line_id])


async def match_bank_line(info: strawberry.Info, input: MatchBankLineInput) -> BankLinePayload:
    try:
        command = MatchBankLine(
            line_id=parse_id(input.line_id, "lineId", "bank line"),
            targets=tuple(
                MatchTarget(
                    parse_id(t.journal_entry_id, f"targets.{i}.journalEntryId", "journal entry"),
                    t.line_number,
                )
                for i, t in enumerate(input.targets)
            ),
        )
        line_id = await run_command(info, handlers.match_bank_line, command, banking=BANKING)
    except DomainError as exc:
        return BankLinePayload(line=None, errors=BankLineError.from_domain(exc.errors))
    return BankLinePayload(line=await _line(info, line_id), errors=[])


async def unmatch_bank_line(info: strawberry.Info, input: UnmatchBankLineInput) -> BankLinePayload:
    try:
        command = UnmatchBankLine(line_id=parse_id(input.line_id, "lineId", "bank line"))
        line_id = await run_command(info, handlers.unmatch_bank_line, command, banking=BANKING)
    except DomainError as exc:
        return BankLinePayload(line=None, errors=BankLineError.from_domain(exc.errors))
    return BankLinePayload(line=await _line(info, line_id), errors=[])


async def create_entry_from_bank_line(
    info: strawberry.Info, input: CreateEntryFromBankLineInput
) -> CreateEntryFromBankLinePayload:
    try:
        command = CreateEntryFromBankLine(
            line_id=parse_id(input.line_id, "lineId", "bank line"),
            account_id=parse_id(input.account_id, "accountId", "account"),
            description=input.description,
        )
        line_id, entry = await run_command(
            info,
            handlers.create_entry_from_bank_line,
            command,
            banking=BANKING,
            limits=info.context.limits,
        )
    except DomainError as exc:
        return CreateEntryFromBankLinePayload(
            line=None, journal_entry=None, errors=BankLineError.from_domain(exc.errors)
        )
    return CreateEntryFromBankLinePayload(
        line=await _line(info, line_id), journal_entry=JournalEntry.of(entry), errors=[]
    )


async def auto_match_bank_lines(
    info: strawberry.Info, input: AutoMatchBankLinesInput
) -> AutoMatchBankLinesPayload:
    try:
        command = AutoMatchBankLines(
            bank_account_id=parse_id(input.bank_account_id, "bankAccountId", "bank account"),
            statement_id=(
                parse_id(input.statement_id, "statementId", "statement")
                if input.statement_id
                else None
            ),
            window_days=input.date_window_days,
        )
        result = await run_command(info, handlers.auto_match_bank_lines, command, banking=BANKING)
    except DomainError as exc:
        return AutoMatchBankLinesPayload(
            matched=0, suggested=0, errors=AutoMatchBankLinesError.from_domain(exc.errors)
        )
    return AutoMatchBankLinesPayload(matched=result.matched, suggested=result.suggested, errors=[])
