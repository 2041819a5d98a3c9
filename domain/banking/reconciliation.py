"""The reconciliation of a bank account as of a statement's end date, pure.

    statement balance = book balance + unmatched bank lines - unmatched book lines + difference

Bank lines are those of the account's statements up to this one (a first statement's opening
balance is a line of its own); book lines are the account's posted journal lines up to the
date. A match counts as of the date only when all its book lines are dated by then; otherwise
its bank line is still unmatched and its earlier book lines are still outstanding. The
difference is zero whenever the statements follow on from each other; a gap (a missing
statement) or a line matched to book lines of another amount shows there.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.banking.matching import BookLineKey

ZERO = Decimal(0)


@dataclass(frozen=True)
class BankSide:
    id: uuid.UUID
    amount: Decimal
    matched_to: tuple[BookLineKey, ...]  # empty: unmatched


@dataclass(frozen=True)
class BookSide:
    key: BookLineKey
    amount: Decimal  # + debit on the bank account
    reversal_of: uuid.UUID | None = None  # the entry this line's entry reverses


@dataclass(frozen=True)
class Reconciliation:
    as_of: date
    statement_balance: Decimal
    book_balance: Decimal
    matched_total: Decimal
    unmatched_bank: tuple[BankSide, ...]
    unmatched_book: tuple[BookSide, ...]

    @property
    def unmatched_bank_total(self) -> Decimal:
        return sum((b.amount for b in self.unmatched_bank), ZERO)

    @property
    def unmatched_book_total(self) -> Decimal:
        return sum((b.amount for b in self.unmatched_book), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.statement_balance - (
            self.book_balance + self.unmatched_bank_total - self.unmatched_book_total
        )


def reconcile(
    as_of: date,
    statement_balance: Decimal,
    bank_lines: Sequence[BankSide],
    book_lines: Sequence[BookSide],
) -> Reconciliation:
    """`book_lines`: every posted line on the account dated up to `as_of`."""
    in_force = {
        b.id: b
        for b in bank_lines
        if b.matched_to and all(k.transaction_date <= as_of for k in b.matched_to)
    }
    cleared = {k for b in in_force.values() for k in b.matched_to}
    open_book = [line for line in book_lines if line.key not in cleared]
    return Reconciliation(
        as_of=as_of,
        statement_balance=statement_balance,
        book_balance=sum((line.amount for line in book_lines), ZERO),
        matched_total=sum((b.amount for b in in_force.values()), ZERO),
        unmatched_bank=tuple(b for b in bank_lines if b.id not in in_force),
        unmatched_book=_without_reversed(open_book),
    )


def _without_reversed(lines: list[BookSide]) -> tuple[BookSide, ...]:
    """Open lines less each entry reversed within the period together with its reversal:
    the pair never reached the bank and sums to nothing, so it is not outstanding."""
    by_entry: dict[uuid.UUID, list[BookSide]] = {}
    for line in lines:
        by_entry.setdefault(line.key.transaction_id, []).append(line)
    dropped: set[uuid.UUID] = set()
    for entry_id, entry_lines in by_entry.items():
        original = entry_lines[0].reversal_of
        if original is None or original not in by_entry or original in dropped:
            continue
        total = sum((x.amount for x in entry_lines + by_entry[original]), ZERO)
        if total == 0:
            dropped |= {entry_id, original}
    return tuple(line for line in lines if line.key.transaction_id not in dropped)
