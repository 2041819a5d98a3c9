"""Opening balances: a trial balance as of a date (date, accountCode, debit, credit,
description) becomes one posted, balanced journal entry — JournalEntry.draft and post, the
rules of createJournalEntry(post: true): accounts of the company and active, amounts
non-negative with 4 places, one side per line, debits equal credits, an open period on the
date. Every row has the same date; an account appears once. One transaction."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.accounting.model import Account, ChartOfAccounts, JournalEntry
from domain.accounting.model.journal import LineInput
from domain.imports import cells
from domain.imports.accounts import CHART
from domain.imports.schema import Books, Column, RowSchema
from domain.jobs.model import JobKind, RowError
from domain.shared.errors import DomainError, ErrorCode

REFERENCE = "OPENING"
_LINE_FIELD = re.compile(r"^lines\.(\d+)\.(\w+)$")
_COLUMN_OF = {"accountId": "accountCode", "debit": "debit", "credit": "credit",
              "description": "description", "postingDate": "date"}  # fmt: skip


@dataclass(frozen=True)
class OpeningLine:
    day: date
    account: Account
    debit: Decimal | None
    credit: Decimal | None
    description: str | None


@dataclass(frozen=True)
class OpeningEntry:
    """The checked entry (a draft) and what posting it needs."""

    entry: JournalEntry
    accounts: dict[uuid.UUID, Account]
    actor: uuid.UUID


def build_line(row: dict[str, Any], books: Books) -> OpeningLine:
    chart: ChartOfAccounts = books.extra[CHART]
    code = row.get("accountCode")
    account = next((a for a in chart.accounts.values() if a.code == code), None)
    if account is None:
        raise DomainError.single(
            ErrorCode.NOT_FOUND, f"No account {code} in this company.", "accountCode"
        )
    if row.get("date") is None:
        raise DomainError.single(ErrorCode.REQUIRED, "date is required.", "date")
    return OpeningLine(
        row["date"], account, row.get("debit"), row.get("credit"), row.get("description")
    )


def finish(
    accepted: list[tuple[int, Any]], books: Books
) -> tuple[list[tuple[int, Any]], list[RowError]]:
    if not accepted:
        return [], [RowError(1, None, str(ErrorCode.REQUIRED), "The file has no rows.")]
    first_row, first = accepted[0]
    other_days = [
        RowError(row, "date", str(ErrorCode.INVALID),
                 f"Every row has the same date ({first.day.isoformat()} on row {first_row}).")
        for row, line in accepted if line.day != first.day
    ]  # fmt: skip
    if other_days:
        return [], other_days
    chart: ChartOfAccounts = books.extra[CHART]
    accounts = dict(chart.accounts)
    try:
        entry = JournalEntry.draft(
            company_id=books.company_id,
            base_currency=books.currency_code,
            transaction_date=first.day,
            reference=REFERENCE,
            description=f"Opening balances as of {first.day.isoformat()}",
            lines=[
                LineInput(line.account.id, line.debit, line.credit, line.description)
                for _, line in accepted
            ],
            accounts=accounts,
            actor=books.actor,
            now=books.now,
        )
    except DomainError as exc:
        problems = []
        for e in exc.errors:
            found = _LINE_FIELD.match(e.field or "")
            if found and int(found.group(1)) < len(accepted):
                row = accepted[int(found.group(1))][0]
                column = _COLUMN_OF.get(found.group(2))
            else:
                row, column = first_row, _COLUMN_OF.get(e.field or "")
            problems.append(RowError(row, column, str(e.code), e.message))
        return [], problems
    return [(first_row, OpeningEntry(entry, accounts, books.actor))], []


OPENING_BALANCES = RowSchema(
    kind=JobKind.OPENING_BALANCES,
    resource="journal",
    actions=("create", "post"),  # createJournalEntry(post: true) checks both
    columns=(
        Column("date", cells.iso_date, required=True),
        Column("accountCode", cells.text, required=True),
        Column("debit", cells.decimal),
        Column("credit", cells.decimal),
        Column("description", cells.text),
    ),
    key="accountCode",
    build=build_line,
    key_of=lambda line: line.account.code,
    batchable=False,
    finish=finish,
    help="date* (the same on every row), accountCode*, debit, credit, description: one "
    "balanced entry, posted (reference OPENING) into the open period of that date",
)
