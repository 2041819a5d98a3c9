"""Command handlers for bank statements: one function per command, one transaction per call.

Permissions are the journal's (a statement and its matches are part of the books): importing
and matching need `journal:create` in the bank account's company, creating an entry from a line
also `journal:post` — the rules of `createJournalEntry(post: true)`, whose steps it shares.
A bank account in a company the caller may not enter is "not found".

Lock order: the bank account's advisory lock (imports and matches of one account queue there),
the bank lines, then what a posting locks (domain/accounting/handlers.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from domain.accounting.handlers import post_in, posting_reads, with_rates
from domain.accounting.model import JournalEntry, LineInput
from domain.accounting.ports import AccountingUnitOfWork
from domain.banking.commands import (
    AutoMatchBankLines,
    CreateEntryFromBankLine,
    ImportBankStatement,
    MatchBankLine,
    UnmatchBankLine,
)
from domain.banking.events import BANK_STATEMENT_IMPORTED
from domain.banking.matching import (
    MAX_WINDOW_DAYS,
    BankLineFacts,
    BookLineKey,
    auto_match,
    brought_forward,
)
from domain.banking.model import (
    BankAccount,
    LineKind,
    LineRecord,
    MatchKind,
    OpenBankLine,
    StatementRecord,
)
from domain.banking.ports import BankingRepository, StatementParser
from domain.banking.statement import (
    BANK_REF_MAX,
    COUNTERPARTY_MAX,
    DESCRIPTION_MAX,
    REFERENCE_MAX,
    checked,
    clip,
    opening_line,
)
from domain.identity.access import AccessGrants, Forbidden, RecordFacts
from domain.identity.plans import TenantLimits
from domain.shared.clock import utcnow
from domain.shared.errors import Conflict, DomainError, ErrorCode, NotFound
from domain.shared.events import EventOrigin, RecordedEvent
from domain.shared.money import money_text

BANK_SUBTYPES = frozenset({"bank", "cash"})


@dataclass
class ImportResult:
    statement: StatementRecord
    duplicate_lines: int  # lines already imported from another file, skipped
    auto_matched: int
    suggested: int


@dataclass
class MatchResult:
    matched: int
    suggested: int
    line_ids: list[uuid.UUID] = field(default_factory=list)


def _may(grants: AccessGrants, action: str, company_id: uuid.UUID) -> None:
    """Holds journal:<action> in the company, in some form: conditions on amounts are proven
    where an entry is built (createEntryFromBankLine), as createJournalEntry does."""
    if not grants.allows("journal", action, company_id):
        raise Forbidden(f"You lack permission journal:{action} in this company.")


def _window(days: int) -> int:
    if not 0 <= days <= MAX_WINDOW_DAYS:
        raise DomainError.single(
            ErrorCode.INVALID, f"The date window is 0 to {MAX_WINDOW_DAYS} days.", "dateWindowDays"
        )
    return days


async def _bank_account(
    banking: BankingRepository, account_id: uuid.UUID, grants: AccessGrants, field_name: str
) -> BankAccount:
    account = await banking.bank_account(account_id)
    if account is None or not grants.can_enter(account.company_id):
        raise NotFound("Bank account", field_name)
    if account.subtype not in BANK_SUBTYPES:
        raise DomainError.single(
            ErrorCode.INVALID, "The account is not a bank or cash account.", field_name
        )
    return account


async def _match_open_lines(
    banking: BankingRepository,
    account: BankAccount,
    lines: list[OpenBankLine],
    window_days: int,
    origin: EventOrigin,
) -> MatchResult:
    """Auto-match these open lines of one account; suggestions for the ambiguous ones."""
    result = MatchResult(0, 0)
    if not lines:
        return result
    now = utcnow()
    transactions = [line for line in lines if line.kind is LineKind.TRANSACTION]
    openings = [line for line in lines if line.kind is LineKind.OPENING]
    for opening in openings:  # at most one per account
        before = await banking.open_book_lines(account.id, None, opening.booking_date)
        keys = brought_forward(opening.amount, before)
        if keys is not None:
            amounts = {b.key: b.amount for b in before}
            if await banking.add_matches(
                opening, [(k, amounts[k]) for k in keys], MatchKind.AUTO, origin.user_id, now
            ):
                result.matched += 1
                result.line_ids.append(opening.id)
    if transactions:
        start = min(line.booking_date for line in transactions)
        end = max(line.booking_date for line in transactions)
        book = await banking.open_book_lines(
            account.id, start - timedelta(days=window_days), end + timedelta(days=window_days)
        )
        facts = [BankLineFacts(x.id, x.booking_date, x.amount, x.texts) for x in transactions]
        outcome = auto_match(facts, book, window_days)
        amounts = {b.key: b.amount for b in book}
        by_id = {line.id: line for line in transactions}
        for line_id, key in outcome.matched.items():
            if await banking.add_matches(
                by_id[line_id], [(key, amounts[key])], MatchKind.AUTO, origin.user_id, now
            ):
                result.matched += 1
                result.line_ids.append(line_id)
        await banking.replace_suggestions([x.id for x in transactions], outcome.suggestions)
        result.suggested = len(outcome.suggestions)
    return result


def imported_event(record: StatementRecord, matched: int, suggested: int) -> RecordedEvent:
    return RecordedEvent(
        BANK_STATEMENT_IMPORTED,
        "BankStatement",
        record.id,
        {
            "companyId": str(record.company_id),
            "bankAccountId": str(record.account_id),
            "format": record.format,
            "externalId": record.external_id,
            "currencyCode": record.currency,
            "startDate": record.start_date.isoformat(),
            "endDate": record.end_date.isoformat(),
            "openingBalance": money_text(record.opening_balance),
            "closingBalance": money_text(record.closing_balance),
            "lineCount": record.line_count,
            "newLineCount": record.new_line_count,
            "autoMatched": matched,
            "suggested": suggested,
        },
        record.imported_at,
    )


async def import_bank_statement(
    cmd: ImportBankStatement,
    uow: AccountingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    banking: BankingRepository,
    parser: StatementParser,
    limits: TenantLimits,
) -> ImportResult:
    """The file's statement and its new lines, auto-matched, in one transaction; nothing at all
    when the file is refused (format, XXE, balances, currency, duplicate)."""
    window = _window(cmd.window_days)
    if len(cmd.content) > limits.max_import_bytes:
        raise DomainError.single(
            ErrorCode.LIMIT_EXCEEDED,
            f"The file has {len(cmd.content)} bytes; your plan allows {limits.max_import_bytes}.",
            "file",
        )
    if not cmd.content:
        raise DomainError.single(ErrorCode.REQUIRED, "The file is empty.", "file")
    sha256 = hashlib.sha256(cmd.content).hexdigest()
    # Parsing is CPU work: in a thread, before the transaction opens.
    parsed = await asyncio.to_thread(parser.parse, cmd.format, cmd.content, cmd.csv_mapping)
    async with uow:
        account = await _bank_account(banking, cmd.bank_account_id, grants, "bankAccountId")
        _may(grants, "create", account.company_id)
        statement = checked(parsed, account.currency)
        await banking.lock_account(account.id)
        duplicate = await banking.duplicate_of(account.id, sha256, statement.external_id)
        if duplicate is not None:
            raise DomainError.single(
                ErrorCode.DUPLICATE,
                f"This statement was already imported (statement {duplicate}).",
                "file",
            )
        first = not await banking.has_statements(account.id)
        file_lines = list(statement.lines)
        opening = opening_line(statement) if first else None
        if opening is not None:
            file_lines.insert(0, opening)
        known = await banking.known_refs(account.id, {line.bank_ref for line in file_lines})
        statement_id = uuid.uuid4()
        seen: set[str] = set()
        records: list[LineRecord] = []
        for line in file_lines:
            if line.bank_ref in known or line.bank_ref in seen:
                continue  # already imported (from another file, or twice in this one)
            seen.add(line.bank_ref)
            records.append(
                LineRecord(
                    id=uuid.uuid4(),
                    statement_id=statement_id,
                    line_number=len(records) + 1,
                    kind=LineKind.OPENING if line is opening else LineKind.TRANSACTION,
                    booking_date=line.booking_date,
                    value_date=line.value_date,
                    amount=line.amount,
                    currency=statement.currency,
                    bank_ref=line.bank_ref[:BANK_REF_MAX],
                    reference=clip(line.reference, REFERENCE_MAX),
                    counterparty=clip(line.counterparty, COUNTERPARTY_MAX),
                    description=clip(line.description, DESCRIPTION_MAX),
                )
            )
        record = StatementRecord(
            id=statement_id,
            company_id=account.company_id,
            account_id=account.id,
            format=cmd.format.value,
            file_name=cmd.file_name[:255],
            file_sha256=sha256,
            external_id=statement.external_id,
            currency=statement.currency,
            start_date=statement.start_date,
            end_date=statement.end_date,
            opening_balance=statement.opening_balance,
            closing_balance=statement.closing_balance,
            line_count=len(statement.lines),
            new_line_count=sum(1 for r in records if r.kind is LineKind.TRANSACTION),
            imported_by=origin.user_id,
            imported_at=utcnow(),
        )
        await banking.add_statement(record, records)
        fresh = await banking.open_bank_lines(account.id, statement_id)
        matched = await _match_open_lines(banking, account, fresh, window, origin)
        uow.record([imported_event(record, matched.matched, matched.suggested)])
        await uow.commit()
    return ImportResult(
        statement=record,
        duplicate_lines=len(statement.lines) - record.new_line_count,
        auto_matched=matched.matched,
        suggested=matched.suggested,
    )


async def auto_match_bank_lines(
    cmd: AutoMatchBankLines,
    uow: AccountingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    banking: BankingRepository,
) -> MatchResult:
    window = _window(cmd.window_days)
    async with uow:
        account = await _bank_account(banking, cmd.bank_account_id, grants, "bankAccountId")
        _may(grants, "create", account.company_id)
        await banking.lock_account(account.id)
        lines = await banking.open_bank_lines(account.id, cmd.statement_id)
        result = await _match_open_lines(banking, account, lines, window, origin)
        await uow.commit()
    return result


async def _line_for_update(
    banking: BankingRepository, line_id: uuid.UUID, grants: AccessGrants
) -> OpenBankLine:
    line = await banking.line_for_update(line_id)
    if line is None or not grants.can_enter(line.company_id):
        raise NotFound("Bank line", "lineId")
    _may(grants, "create", line.company_id)
    return line


async def match_bank_line(
    cmd: MatchBankLine,
    uow: AccountingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    banking: BankingRepository,
) -> uuid.UUID:
    """One bank line to one or more posted journal lines on its account that sum to it."""
    if not cmd.targets:
        raise DomainError.single(ErrorCode.REQUIRED, "Name at least one journal line.", "targets")
    async with uow:
        line = await _line_for_update(banking, cmd.line_id, grants)
        await banking.lock_account(line.account_id)
        if line.matched:
            raise DomainError.single(
                ErrorCode.INVALID_STATE, "The bank line is already matched; unmatch it first.",
                "lineId",
            )  # fmt: skip
        found = await banking.book_lines(line.account_id, {t.journal_entry_id for t in cmd.targets})
        chosen: dict[BookLineKey, Decimal] = {}
        for index, target in enumerate(cmd.targets):
            where = f"targets.{index}"
            lines = [
                b
                for b in found
                if b.key.transaction_id == target.journal_entry_id
                and (target.line_number is None or b.key.line_number == target.line_number)
            ]
            if not lines:
                raise NotFound("Journal line on this bank account", where)
            if len(lines) > 1:
                raise DomainError.single(
                    ErrorCode.INVALID,
                    "The entry has several lines on this bank account; name its lineNumber.",
                    where,
                )
            book = lines[0]
            if not book.posted:
                raise DomainError.single(
                    ErrorCode.INVALID_STATE, "Only posted entries can be matched.", where
                )
            if book.matched or book.key in chosen:
                raise DomainError.single(
                    ErrorCode.CONFLICT, "This journal line is already matched.", where
                )
            chosen[book.key] = book.amount
        total = sum(chosen.values(), Decimal(0))
        if total != line.amount:
            raise DomainError.single(
                ErrorCode.INVALID,
                f"The journal lines come to {money_text(total)}; the bank line is"
                f" {money_text(line.amount)}.",
                "targets",
            )
        if not await banking.add_matches(
            line, list(chosen.items()), MatchKind.MANUAL, origin.user_id, utcnow()
        ):
            raise Conflict("A journal line was matched meanwhile; try again.", "targets")
        await uow.commit()
    return line.id


async def unmatch_bank_line(
    cmd: UnmatchBankLine,
    uow: AccountingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    banking: BankingRepository,
) -> uuid.UUID:
    """The line is open again (an entry created from it stays: reverse it if it was wrong)."""
    async with uow:
        line = await _line_for_update(banking, cmd.line_id, grants)
        if not line.matched:
            raise DomainError.single(ErrorCode.INVALID_STATE, "The line is not matched.", "lineId")
        await banking.remove_matches(line.id)
        await uow.commit()
    return line.id


async def create_entry_from_bank_line(
    cmd: CreateEntryFromBankLine,
    uow: AccountingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    banking: BankingRepository,
    limits: TenantLimits | None = None,
) -> tuple[uuid.UUID, JournalEntry]:
    """Posts the entry the books miss (bank charges, interest) on the line's date, bank account
    against `account_id`, and matches the line to it, in one transaction."""
    async with uow:
        line = await _line_for_update(banking, cmd.line_id, grants)
        company_id = line.company_id
        if line.kind is not LineKind.TRANSACTION:
            raise DomainError.single(
                ErrorCode.INVALID, "An opening balance is not a transaction to book.", "lineId"
            )
        if line.matched:
            raise DomainError.single(
                ErrorCode.INVALID_STATE, "The bank line is already matched; unmatch it first.",
                "lineId",
            )  # fmt: skip
        if cmd.account_id == line.account_id:
            raise DomainError.single(
                ErrorCode.INVALID, "The other side cannot be the bank account itself.",
                "accountId",
            )  # fmt: skip
        _may(grants, "post", company_id)
        amount = abs(line.amount)
        description = (cmd.description or "").strip() or line.description or line.reference
        money_in = line.amount > 0  # the bank account is debited
        inputs = (
            LineInput(
                account_id=line.account_id,
                debit=amount if money_in else None,
                credit=None if money_in else amount,
                description=description,
            ),
            LineInput(
                account_id=cmd.account_id,
                debit=None if money_in else amount,
                credit=amount if money_in else None,
                description=description,
            ),
        )
        await uow.journals.ensure_partitions([line.booking_date])
        reads = await posting_reads(uow, company_id, inputs, line.booking_date)
        other = reads.accounts.get(cmd.account_id)
        if other is None or other.company_id != company_id:
            raise NotFound("Account", "accountId")
        lines = await with_rates(uow, company_id, reads.currency, line.booking_date, inputs)
        entry = JournalEntry.draft(
            company_id=company_id,
            base_currency=reads.currency,
            transaction_date=line.booking_date,
            reference=(line.reference or line.counterparty)[:100] or None,
            description=description or None,
            lines=lines,
            accounts=reads.accounts,
            actor=origin.user_id,
            now=utcnow(),
        )
        facts = RecordFacts(owner_id=origin.user_id, amount=entry.total_amount)
        grants.check("journal", "create", company_id=company_id, facts=facts)
        grants.check("journal", "post", company_id=company_id, facts=facts)
        post_in(entry, reads.period, origin, reads.accounts)
        if limits is not None:
            uow.journals.count_against(limits)
        await uow.journals.add_posted(entry)
        key = BookLineKey(entry.id, entry.lines[0].line_number, entry.transaction_date)
        if not await banking.add_matches(
            line, [(key, line.amount)], MatchKind.CREATED, origin.user_id, utcnow()
        ):
            raise Conflict("The bank line was matched meanwhile.", "lineId")
        uow.record(entry.events)
        await uow.commit()
    return line.id, entry
