"""Sales model: the posting rules (a document's journal lines, settlements, FX)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from domain.accounting.conversion import allocate
from domain.accounting.model import LineInput
from domain.sales.model.accounts import AccountRole, SalesAccounts
from domain.sales.model.common import ZERO
from domain.sales.model.documents import SalesDocument


def _credit_base_lines(
    amounts: Mapping[uuid.UUID, Decimal], base_total: Decimal, rate: Decimal, base_currency: str
) -> list[LineInput]:
    """Credits in base currency converting `amounts` at `rate`, in whole minor units summing
    exactly to `base_total` (the receivable's base value) by largest remainder."""
    kept = {a: v for a, v in amounts.items() if v != 0}
    if not kept:
        return []
    converted = allocate(kept, rate, base_total, base_currency)
    return [LineInput(account_id=a, credit=v) for a, v in converted.items() if v != 0]


def _group(pairs: Sequence[tuple[uuid.UUID, Decimal]]) -> dict[uuid.UUID, Decimal]:
    out: dict[uuid.UUID, Decimal] = {}
    for account, amount in pairs:
        out[account] = out.get(account, ZERO) + amount
    return out


def invoice_entry_lines(
    doc: SalesDocument, accounts: SalesAccounts, base_currency: str
) -> list[LineInput]:
    """Dr receivable (document currency) / Cr revenue per account / Cr tax per account."""
    credits = _group(
        [
            (line.revenue_account_id or accounts[AccountRole.SALES], line.net_amount)
            for line in doc.lines
        ]
        + [
            (line.tax_account_id or accounts[AccountRole.TAX], line.tax_amount)
            for line in doc.lines
        ]
    )
    receivable = accounts[AccountRole.RECEIVABLE]
    if doc.currency_code == base_currency:
        return [LineInput(account_id=receivable, debit=doc.total)] + [
            LineInput(account_id=a, credit=v) for a, v in credits.items() if v != 0
        ]
    return [
        LineInput(
            account_id=receivable,
            debit=doc.total,
            currency_code=doc.currency_code,
            exchange_rate=doc.exchange_rate,
        ),
        *_credit_base_lines(credits, doc.base_total, doc.exchange_rate, base_currency),
    ]


def credit_note_entry_lines(
    note: SalesDocument,
    accounts: SalesAccounts,
    base_currency: str,
    *,
    applied: Decimal,
    applied_base: Decimal,
    relieved: Decimal | None = None,
) -> list[LineInput]:
    """Dr returns / Dr tax (base) / Cr receivable for what the invoice still owed (`applied`)
    and Cr advances for the rest (the customer's credit, refundable).

    Returns and tax go back at the invoice's rate (`applied_base`: the applied part's value at
    it); the receivable leaves at what the books carry for that part (`relieved`: with the
    invoice's revaluations in force, `domain.accounting.carrying`), so nothing stays in AR.
    The difference is realized FX, booked as a payment's is."""
    relieved = applied_base if relieved is None else relieved
    debits = _group(
        [(accounts[AccountRole.RETURNS], line.net_amount) for line in note.lines]
        + [
            (line.tax_account_id or accounts[AccountRole.TAX], line.tax_amount)
            for line in note.lines
        ]
    )
    excess = note.total - applied
    excess_base = note.base_total - applied_base
    foreign = note.currency_code != base_currency
    lines = (
        [
            LineInput(account_id=line.account_id, debit=line.credit)
            for line in _credit_base_lines(
                debits, note.base_total, note.exchange_rate, base_currency
            )
        ]
        if foreign
        else [LineInput(account_id=a, debit=v) for a, v in debits.items() if v != 0]
    )
    lines += settlement_credit(accounts[AccountRole.RECEIVABLE], applied, relieved, note, foreign)
    lines += settlement_credit(accounts[AccountRole.ADVANCES], excess, excess_base, note, foreign)
    return lines + fx_line(accounts, applied_base - relieved)


def side_line(
    account: uuid.UUID,
    side: str,
    amount: Decimal,
    currency: str | None = None,
    rate: Decimal | None = None,
) -> LineInput:
    """A debit or credit line (`side`), in `currency` at `rate` or in base currency."""
    debit, credit = (amount, None) if side == "debit" else (None, amount)
    return LineInput(
        account_id=account, debit=debit, credit=credit, currency_code=currency, exchange_rate=rate
    )


def settlement_credit(
    account: uuid.UUID,
    amount: Decimal,
    base: Decimal,
    doc: SalesDocument,
    foreign: bool,
    *,
    side: str = "credit",
) -> list[LineInput]:
    """A line of `amount` (document currency) booked at exactly `base` (what the open item
    carries: its rate's value, what is left of it, or that plus revaluations), so the account's
    foreign-currency position keeps amount and base together."""
    if amount == 0 and base == 0:
        return []
    if not foreign:
        return [side_line(account, side, amount)]
    line = side_line(account, side, amount, doc.currency_code, doc.exchange_rate)
    return [replace(line, booked_base=base) if base > 0 else line]


def fx_line(accounts: SalesAccounts, difference: Decimal) -> list[LineInput]:
    """Realized FX in base currency: a gain (more base received than booked) credits 4920, a
    loss debits 6800."""
    if difference > 0:
        return [LineInput(account_id=accounts[AccountRole.FX_GAIN], credit=difference)]
    if difference < 0:
        return [LineInput(account_id=accounts[AccountRole.FX_LOSS], debit=-difference)]
    return []


def money_line(
    account: uuid.UUID,
    amount: Decimal,
    currency: str,
    rate: Decimal,
    base_currency: str,
    side: str,
) -> LineInput:
    if currency == base_currency:
        return side_line(account, side, amount)
    return side_line(account, side, amount, currency, rate)
