"""What the banking handlers need from storage and from the statement parsers."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from domain.banking.commands import CsvMapping, StatementFormat
from domain.banking.matching import BookLineFacts, BookLineKey, Suggestion
from domain.banking.model import (
    BankAccount,
    BookLine,
    LineRecord,
    MatchKind,
    OpenBankLine,
    StatementRecord,
)
from domain.banking.statement import ParsedStatement


class StatementParser(Protocol):
    def parse(
        self,
        format: StatementFormat,
        content: bytes,
        mapping: CsvMapping | None,
    ) -> ParsedStatement:
        """The statement in the file, or DomainError on `file` / `csvMapping`. Pure CPU work
        (handlers run it in a thread); a currency the file does not state is ""."""


class BankingRepository(Protocol):
    async def bank_account(self, account_id: uuid.UUID) -> BankAccount | None: ...

    async def lock_account(self, account_id: uuid.UUID) -> None:
        """Imports and matches of one bank account queue here until commit."""

    async def duplicate_of(
        self, account_id: uuid.UUID, file_sha256: str, external_id: str | None
    ) -> uuid.UUID | None:
        """The statement already imported from this file (or with this bank statement id)."""

    async def has_statements(self, account_id: uuid.UUID) -> bool: ...

    async def known_refs(self, account_id: uuid.UUID, refs: Collection[str]) -> set[str]: ...

    async def add_statement(
        self, statement: StatementRecord, lines: Sequence[LineRecord]
    ) -> None: ...

    async def open_bank_lines(
        self, account_id: uuid.UUID, statement_id: uuid.UUID | None = None
    ) -> list[OpenBankLine]:
        """Unmatched lines, locked until commit."""

    async def line_for_update(self, line_id: uuid.UUID) -> OpenBankLine | None: ...

    async def open_book_lines(
        self, account_id: uuid.UUID, start: date | None, end: date
    ) -> list[BookLineFacts]:
        """Posted, unmatched journal lines on the account dated from `start` (None: from the
        beginning) to `end`, with the texts the matcher compares."""

    async def book_lines(
        self, account_id: uuid.UUID, entry_ids: Collection[uuid.UUID]
    ) -> list[BookLine]:
        """These entries' lines on the account (any status), for a manual match."""

    async def add_matches(
        self,
        line: OpenBankLine,
        book: Sequence[tuple[BookLineKey, Decimal]],
        kind: MatchKind,
        actor: uuid.UUID,
        now: datetime,
    ) -> bool:
        """Matches the line to the book lines (key, amount); False if another bank line took
        one of them meanwhile (nothing then written)."""

    async def remove_matches(self, line_id: uuid.UUID) -> int: ...

    async def replace_suggestions(
        self, line_ids: Collection[uuid.UUID], suggestions: Mapping[uuid.UUID, list[Suggestion]]
    ) -> None: ...
