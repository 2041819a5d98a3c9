"""A party's statement: the balance brought forward to the first day, then each entry of the
period with the running balance after it, and the closing balance. Customers' and suppliers'
statements alike (their entries differ: debit/credit columns for a customer, a signed amount
for a supplier)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar

Entry = TypeVar("Entry")

ZERO = Decimal(0)


@dataclass(frozen=True)
class Statement(Generic[Entry]):
    opening: Decimal
    lines: list[tuple[Entry, Decimal]]  # an entry of the period, the balance after it
    closing: Decimal


def statement(
    entries: Iterable[Entry],
    *,
    date_from: date,
    day: Callable[[Entry], date],
    change: Callable[[Entry], Decimal],
) -> Statement[Entry]:
    """`entries` in date order up to the statement's last day; those before `date_from` make
    the opening balance."""
    opening = balance = ZERO
    lines: list[tuple[Entry, Decimal]] = []
    for entry in entries:
        if day(entry) < date_from:
            opening += change(entry)
            balance = opening
            continue
        balance += change(entry)
        lines.append((entry, balance))
    return Statement(opening=opening, lines=lines, closing=balance)
