"""The auto-match rules and the reconciliation identity, as pure functions."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

from domain.banking.matching import (
    BankLineFacts,
    BookLineFacts,
    BookLineKey,
    auto_match,
    brought_forward,
)
from domain.banking.reconciliation import BankSide, BookSide, reconcile

DAY = date(2026, 3, 10)


def bank(amount: str, day: date = DAY, *texts: str) -> BankLineFacts:
    return BankLineFacts(uuid.uuid4(), day, Decimal(amount), texts)


def book(amount: str, day: date = DAY, *texts: str) -> BookLineFacts:
    return BookLineFacts(BookLineKey(uuid.uuid4(), 1, day), Decimal(amount), texts)


def test_exact_amount_within_the_window_and_nothing_else() -> None:
    line = bank("250.00")
    inside = book("250.00", DAY + timedelta(days=3))
    outcome = auto_match(
        [line],
        [book("250.01"), book("-250.00"), book("250.00", DAY - timedelta(days=4)), inside],
    )
    assert outcome.matched == {line.id: inside.key}
    narrow = auto_match([line], [inside], window_days=2)
    assert narrow.matched == {} and narrow.suggestions == {}


def test_the_reference_decides_between_equal_amounts_else_suggestions() -> None:
    line = bank("1500.00", DAY, "RCPT-2026-000007", "PELANGGAN C007", "DUITNOW")
    right = book("1500.00", DAY, "RCPT-2026-000007", "Pelanggan C007")
    other = book("1500.00", DAY, "RCPT-2026-000008", "Pelanggan C008")
    assert auto_match([line], [other, right]).matched == {line.id: right.key}
    vague = bank("1500.00", DAY, "TRANSFER")
    outcome = auto_match([vague], [other, right])
    assert outcome.matched == {}
    assert {s.book_line for s in outcome.suggestions[vague.id]} == {right.key, other.key}


def test_one_book_line_wanted_by_two_bank_lines_goes_to_neither() -> None:
    a, b = bank("80.00"), bank("80.00", DAY + timedelta(days=1))
    only = book("80.00")
    outcome = auto_match([a, b], [only])
    assert outcome.matched == {}
    assert set(outcome.suggestions) == {a.id, b.id}


def test_the_outcome_does_not_depend_on_the_order_of_the_input() -> None:
    rng = random.Random(7)
    banks = [bank(str(rng.choice([10, 20, 30])), DAY + timedelta(days=rng.randint(0, 5)),
                  f"REF{rng.randint(1, 4)}") for _ in range(12)]  # fmt: skip
    books = [book(str(rng.choice([10, 20, 30])), DAY + timedelta(days=rng.randint(0, 5)),
                  f"REF{rng.randint(1, 4)}") for _ in range(12)]  # fmt: skip
    first = auto_match(banks, books)
    again = auto_match(list(reversed(banks)), list(reversed(books)))
    assert first.matched == again.matched
    assert len(set(first.matched.values())) == len(first.matched)  # a book line once at most


def test_an_opening_balance_stands_for_the_open_lines_before_it_when_they_add_up() -> None:
    before = [book("1000.00", DAY - timedelta(days=30)), book("-200.00", DAY - timedelta(days=9))]
    assert brought_forward(Decimal("800.00"), before) == [b.key for b in before]
    assert brought_forward(Decimal("800.01"), before) is None


def test_an_entry_reversed_with_its_reversal_is_not_outstanding() -> None:
    mistake = BookSide(BookLineKey(uuid.uuid4(), 2, DAY), Decimal("-100.00"))
    reversal = BookSide(
        BookLineKey(uuid.uuid4(), 1, DAY), Decimal("100.00"), mistake.key.transaction_id
    )
    cheque = BookSide(BookLineKey(uuid.uuid4(), 1, DAY), Decimal("-700.00"))
    result = reconcile(DAY, Decimal(0), [], [mistake, reversal, cheque])
    assert result.unmatched_book == (cheque,)
    assert result.difference == 0


def test_reconciliation_identity_on_random_books_and_statements() -> None:
    """statement = book + unmatched bank - unmatched book, whatever is matched, as long as
    matched lines are equal sums; the difference is zero."""
    rng = random.Random(2026)
    for _ in range(200):
        as_of = DAY + timedelta(days=rng.randint(0, 20))
        book_lines = [
            BookSide(BookLineKey(uuid.uuid4(), 1, DAY + timedelta(days=rng.randint(-10, 25))),
                     Decimal(rng.randint(-50_000, 50_000)) / 100)
            for _ in range(rng.randint(0, 15))
        ]  # fmt: skip
        bank_lines: list[BankSide] = []
        for line in book_lines:  # some book lines cleared the bank, alone or in pairs
            if rng.random() < 0.6:
                bank_lines.append(BankSide(uuid.uuid4(), line.amount, (line.key,)))
        for _ in range(rng.randint(0, 4)):  # the bank's own: charges, interest
            bank_lines.append(BankSide(uuid.uuid4(), Decimal(rng.randint(-999, 999)) / 100, ()))
        statement = sum((b.amount for b in bank_lines), Decimal(0))
        up_to = [b for b in book_lines if b.key.transaction_date <= as_of]
        result = reconcile(as_of, statement, bank_lines, up_to)
        assert result.difference == 0
        assert result.book_balance + result.unmatched_bank_total - result.unmatched_book_total == (
            statement
        )
        later = {b.id for b in bank_lines if any(k.transaction_date > as_of for k in b.matched_to)}
        assert later <= {b.id for b in result.unmatched_bank}  # matched to the future: open
