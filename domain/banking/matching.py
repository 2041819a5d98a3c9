"""The auto-match rules, pure: which book line a bank line is, when only one can be.

A candidate has the bank line's exact amount (money in = a debit on the bank account) and a
date within the window. Among several, the reference decides: a candidate whose texts
(entry reference and description, payment number and reference, party name) resemble the bank
line's reference, counterparty and description clearly better than the others' wins. A book
line two bank lines both want, or a bank line with no clear winner, is left for the user with
its candidates as suggestions.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher

DEFAULT_WINDOW_DAYS = 3
MAX_WINDOW_DAYS = 31
CLEAR_SCORE = Decimal("0.6")  # a reference this similar, and
CLEAR_MARGIN = Decimal("0.25")  # this much better than the next candidate, decides
MAX_SUGGESTIONS = 5

_TOKEN = re.compile(r"[a-z0-9]+")
# Words that say nothing about which transaction it is.
_NOISE = frozenset({"payment", "pymt", "pmt", "transfer", "trf", "ref", "inv", "to", "from",
                    "sdn", "bhd", "the", "and", "of", "ibg", "duitnow", "giro", "fpx"})  # fmt: skip


@dataclass(frozen=True)
class BookLineKey:
    transaction_id: uuid.UUID
    line_number: int
    transaction_date: date


@dataclass(frozen=True)
class BankLineFacts:
    id: uuid.UUID
    booking_date: date
    amount: Decimal
    texts: tuple[str, ...]  # reference, counterparty, description


@dataclass(frozen=True)
class BookLineFacts:
    key: BookLineKey
    amount: Decimal  # + debit on the bank account (money in), - credit
    texts: tuple[str, ...]  # entry reference/description, payment number/reference, party


@dataclass(frozen=True)
class Suggestion:
    book_line: BookLineKey
    score: Decimal  # 0..1, reference similarity
    days_apart: int


@dataclass(frozen=True)
class Outcome:
    matched: dict[uuid.UUID, BookLineKey]  # bank line id -> the one book line it is
    suggestions: dict[uuid.UUID, list[Suggestion]]  # bank lines left open -> candidates


def tokens(texts: Iterable[str]) -> list[str]:
    return [t for text in texts for t in _TOKEN.findall(text.lower()) if t not in _NOISE]


def _alike(token: str, others: set[str]) -> bool:
    """Equal; or, for a word (no digits: a name), a near spelling (PELANGAN, PELANGGAN).
    Tokens with digits (invoice, receipt and cheque numbers) must be equal."""
    if token in others:
        return True
    if len(token) < 5 or any(c.isdigit() for c in token):
        return False
    return any(
        len(o) >= 5 and not any(c.isdigit() for c in o)
        and SequenceMatcher(None, token, o).ratio() >= 0.85
        for o in others
    )  # fmt: skip


def similarity(bank_texts: Sequence[str], book_texts: Sequence[str]) -> Decimal:
    """1 when a book text (payment number, reference) appears whole in the bank's texts, else
    the share of the smaller side's tokens found on the other side, in [0, 1]."""
    bank_tokens, book_tokens = set(tokens(bank_texts)), set(tokens(book_texts))
    if not bank_tokens or not book_tokens:
        return Decimal(0)
    bank_joined = "".join(tokens(bank_texts))
    for text in book_texts:
        compact = "".join(tokens([text]))
        if len(compact) >= 4 and compact in bank_joined:
            return Decimal(1)
    small, large = sorted((bank_tokens, book_tokens), key=len)
    shared = sum(1 for t in small if _alike(t, large))
    return Decimal(shared * 10_000 // len(small)) / 10_000


def candidates(
    bank: BankLineFacts, book: Iterable[BookLineFacts], window_days: int
) -> list[Suggestion]:
    """Book lines of the same amount within the window, best first (score, then nearest)."""
    found = [
        Suggestion(
            line.key,
            similarity(bank.texts, line.texts),
            abs((line.key.transaction_date - bank.booking_date).days),
        )
        for line in book
        if line.amount == bank.amount
        and abs((line.key.transaction_date - bank.booking_date).days) <= window_days
    ]
    return sorted(
        found,
        key=lambda s: (-s.score, s.days_apart, s.book_line.transaction_date,
                       str(s.book_line.transaction_id), s.book_line.line_number),
    )  # fmt: skip


def _clear_winner(found: list[Suggestion]) -> Suggestion | None:
    if len(found) == 1:
        return found[0]
    clear = found[0].score - found[1].score >= CLEAR_MARGIN if len(found) > 1 else False
    if clear and found[0].score >= CLEAR_SCORE:
        return found[0]
    return None


def auto_match(
    bank_lines: Sequence[BankLineFacts],
    book_lines: Sequence[BookLineFacts],
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> Outcome:
    """Each bank line's unique best book line; a book line claimed by two bank lines goes to
    neither (they become suggestions). Deterministic: the same input, the same outcome."""
    by_amount: dict[Decimal, list[BookLineFacts]] = {}
    for line in book_lines:
        by_amount.setdefault(line.amount, []).append(line)
    found = {b.id: candidates(b, by_amount.get(b.amount, ()), window_days) for b in bank_lines}
    picks = {bank_id: _clear_winner(c) for bank_id, c in found.items()}
    wanted: dict[BookLineKey, int] = {}
    for pick in picks.values():
        if pick is not None:
            wanted[pick.book_line] = wanted.get(pick.book_line, 0) + 1
    matched: dict[uuid.UUID, BookLineKey] = {}
    suggestions: dict[uuid.UUID, list[Suggestion]] = {}
    for bank in bank_lines:
        pick = picks[bank.id]
        if pick is not None and wanted[pick.book_line] == 1:
            matched[bank.id] = pick.book_line
        elif found[bank.id]:
            suggestions[bank.id] = found[bank.id][:MAX_SUGGESTIONS]
    return Outcome(matched, suggestions)


def brought_forward(
    opening_amount: Decimal, before_start: Sequence[BookLineFacts]
) -> list[BookLineKey] | None:
    """The book lines an opening-balance line stands for: every open line dated before the
    statement, when together they equal it (the books agreed with the bank at its start)."""
    if not before_start:
        return None
    total = sum((line.amount for line in before_start), Decimal(0))
    return [line.key for line in before_start] if total == opening_amount else None
