"""Multi-currency: exchange rates by date, rates filled in for foreign lines, and unrealized
FX revaluation of foreign-currency balances.

A rate converts ONE unit of a foreign currency into the company's base currency
(USD -> MYR 4.2 means 1 USD = 4.2000 MYR). Rates have at most 10 decimal places
(NUMERIC(19,10), as journal lines store them); amounts stay NUMERIC(19,4).

Rounding: each line's base amount is `amount x rate` rounded half-up to the base currency's
minor unit (`domain.accounting.conversion`); when lines converted one by one leave a rounding
difference (three USD lines converted separately), it is taken up by those lines by largest
remainder, never by a plug account. A difference that is not rounding is refused as UNBALANCED.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from domain.accounting.carrying import ItemShare, OpenItem, item_share
from domain.accounting.model import (
    RATE_MAX,
    RATE_PLACES,
    RATE_QUANTUM,
    ZERO,
    LineInput,
    base_amount,
)
from domain.shared.currency import is_currency_code
from domain.shared.errors import DomainError, ErrorCode, FieldError
from domain.shared.money import has_places

REVALUATION_REFERENCE = "FX-REVALUATION"


def check_rate_input(currency: str, base_currency: str, rate: Decimal) -> str:
    """The normalised currency code; DomainError naming `currency` / `rate` otherwise."""
    code = (currency or "").strip().upper()
    errors: list[FieldError] = []
    if not is_currency_code(code):
        errors.append(
            FieldError(
                ErrorCode.INVALID, f"'{currency}' is not an ISO 4217 currency code.", "currency"
            )
        )
    elif code == base_currency:
        errors.append(
            FieldError(
                ErrorCode.INVALID,
                f"{code} is the company's base currency: its rate is always 1.",
                "currency",
            )
        )
    if not rate.is_finite() or rate <= 0 or rate > RATE_MAX:
        errors.append(
            FieldError(
                ErrorCode.INVALID, f"A rate is greater than 0 and at most {RATE_MAX}.", "rate"
            )
        )
    elif not has_places(rate, RATE_QUANTUM):
        errors.append(
            FieldError(
                ErrorCode.INVALID, f"A rate has at most {RATE_PLACES} decimal places.", "rate"
            )
        )
    if errors:
        raise DomainError(errors)
    return code


def foreign_currencies_without_rate(lines: Sequence[LineInput], base_currency: str) -> set[str]:
    """Valid foreign currency codes of lines that carry no rate (the ones to look up)."""
    wanted = set()
    for line in lines:
        code = (line.currency_code or base_currency).strip().upper()
        if line.exchange_rate is None and code != base_currency and is_currency_code(code):
            wanted.add(code)
    return wanted


def fill_rates(
    lines: Sequence[LineInput],
    base_currency: str,
    rates: Mapping[str, Decimal],
    day: date,
    date_field: str = "postingDate",
) -> tuple[LineInput, ...]:
    """Lines in a foreign currency without a rate take the rate in force on `day` (`rates`:
    currency -> latest rate on or before `day`). No such rate: MISSING_RATE naming the line."""
    out: list[LineInput] = []
    errors: list[FieldError] = []
    for index, line in enumerate(lines):
        code = (line.currency_code or base_currency).strip().upper()
        if line.exchange_rate is None and code != base_currency and is_currency_code(code):
            rate = rates.get(code)
            if rate is None:
                errors.append(
                    FieldError(
                        ErrorCode.MISSING_RATE,
                        f"No {code} -> {base_currency} exchange rate on or before "
                        f"{day.isoformat()}: set one (setExchangeRate) or give the line's "
                        "exchangeRate.",
                        f"lines.{index}.exchangeRate",
                    )
                )
                continue
            line = replace(line, exchange_rate=rate)
        out.append(line)
    if errors:
        raise DomainError(errors)
    return tuple(out)


# -- revaluation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForeignBalance:
    """One account's position in one foreign currency as of a date."""

    account_id: uuid.UUID
    currency_code: str
    amount: Decimal  # original currency, debit positive
    booked_base: Decimal  # base currency as booked (lines + revaluations in force), debit +


@dataclass(frozen=True)
class Adjustment:
    account_id: uuid.UUID
    currency_code: str
    foreign_balance: Decimal
    rate: Decimal
    base_adjustment: Decimal  # debit positive
    # The open invoices'/bills' shares of it, and the rest (what no document holds): together
    # exactly `base_adjustment`, so the control account and its items always agree.
    shares: tuple[ItemShare, ...] = ()
    other: Decimal = ZERO


def revaluation(
    balances: Sequence[ForeignBalance],
    rates: Mapping[str, Decimal],
    *,
    base_currency: str,
    as_of: date,
    items: Sequence[OpenItem] = (),
) -> list[Adjustment]:
    """Per account and currency: base value at the `as_of` rate minus the booked base value.
    Missing rate for a currency held: MISSING_RATE (field asOf).

    With `items` (the open documents of a revaluation that stays), an account holding them is
    restated item by item (each at its due amount's value at the rate) and the rest of the
    account as one more amount, so the adjustment is exactly the sum of its parts."""
    missing = sorted({b.currency_code for b in balances if b.currency_code not in rates})
    if missing:
        raise DomainError(
            [
                FieldError(
                    ErrorCode.MISSING_RATE,
                    f"No {code} -> {base_currency} exchange rate on or before {as_of.isoformat()}.",
                    "asOf",
                )
                for code in missing
            ]
        )
    held: dict[tuple[uuid.UUID, str], list[OpenItem]] = {}
    for item in items:
        held.setdefault((item.account_id, item.currency_code), []).append(item)
    out = []
    for b in sorted(balances, key=lambda b: (str(b.account_id), b.currency_code)):
        rate = rates[b.currency_code]
        mine = held.get((b.account_id, b.currency_code), [])
        shares = tuple(
            share for item in mine if (share := item_share(item, rate, base_currency)).base_change
        )
        # The rest of the account: its foreign amount and base less the items'.
        amount = b.amount - sum((i.sign * i.amount_due for i in mine), ZERO)
        booked = b.booked_base - sum((i.sign * i.carrying for i in mine), ZERO)
        value = base_amount(abs(amount), rate, base_currency)
        other = (value if amount >= 0 else -value) - booked
        difference = sum((s.base_adjustment for s in shares), ZERO) + other
        if difference != 0 or shares:
            out.append(
                Adjustment(
                    b.account_id, b.currency_code, b.amount, rate, difference, shares, other
                )
            )
    return out


def revaluation_lines(
    adjustments: Sequence[Adjustment],
    *,
    gain_account_id: uuid.UUID,
    loss_account_id: uuid.UUID,
    label: Callable[[Adjustment], str],
) -> list[LineInput]:
    """Base-currency lines: each account adjusted, total gains credited to `gain_account_id`,
    total losses debited to `loss_account_id` (both shown, not netted)."""
    lines: list[LineInput] = []
    gains = losses = ZERO
    for a in adjustments:
        if a.base_adjustment > 0:
            gains += a.base_adjustment
        else:
            losses += -a.base_adjustment
        if not a.shares:
            lines.append(_signed(a.account_id, a.base_adjustment, label(a)))
            continue
        # The documents' shares on one line, what no document holds on a line of its own.
        documents = sum((s.base_adjustment for s in a.shares), ZERO)
        if documents:
            lines.append(_signed(a.account_id, documents, f"{label(a)}: open documents"))
        if a.other:
            lines.append(_signed(a.account_id, a.other, f"{label(a)}: other"))
    if gains:
        lines.append(
            LineInput(gain_account_id, credit=gains, description="Unrealized exchange gain")
        )
    if losses:
        lines.append(
            LineInput(loss_account_id, debit=losses, description="Unrealized exchange loss")
        )
    return lines


def _signed(account_id: uuid.UUID, amount: Decimal, description: str) -> LineInput:
    if amount >= 0:
        return LineInput(account_id, debit=amount, description=description)
    return LineInput(account_id, credit=-amount, description=description)
