"""Foreign amounts into the company's base currency: the one rule every posting path uses.

A booked base amount is `amount x rate` rounded half-up to the base currency's minor unit
(ISO 4217 exponent, `domain.shared.currency.MINOR_UNITS`: whole sen for MYR, whole yen for
JPY, fils for KWD). Splitting one converted total over several accounts (an invoice's revenue
and tax, a bill's expense lines) and balancing an entry whose lines were converted one by one
both use the largest-remainder method: every part is its exact value rounded down or up to a
minor unit, and the parts whose exact value lies nearest the next unit take the units that make
the sum come out exact. No part moves by a whole unit or more, nothing goes to a plug account.

Prices (a unit cost converted for a purchase order) are not booked amounts: `price_in_base`
keeps them at 4 places.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from decimal import ROUND_DOWN, Decimal, localcontext
from typing import TypeVar

from domain.shared.currency import minor_unit
from domain.shared.money import round4, round_to_minor_unit

Key = TypeVar("Key", bound=Hashable)


def _exact(amount: Decimal, rate: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return amount * rate


def to_base(amount: Decimal, rate: Decimal, base_currency: str) -> Decimal:
    """`amount x rate`, rounded half-up to a minor unit of `base_currency`."""
    return round_to_minor_unit(_exact(amount, rate), base_currency)


def price_in_base(price: Decimal, rate: Decimal) -> Decimal:
    """A unit price converted at `rate`, to 4 places (a price, never a booked amount)."""
    return round4(_exact(price, rate))


def allocate(
    parts: Mapping[Key, Decimal], rate: Decimal, total: Decimal, base_currency: str
) -> dict[Key, Decimal]:
    """`parts` (non-negative, document currency) converted at `rate` so that they sum exactly to
    `total` (the base value of their sum, as `to_base` gives it), by largest remainder."""
    quantum = minor_unit(base_currency)
    exact = {key: _exact(value, rate) for key, value in parts.items()}
    floors = {key: value.quantize(quantum, rounding=ROUND_DOWN) for key, value in exact.items()}
    units = int((total - sum(floors.values(), Decimal(0))) / quantum)
    # Largest remainder first; equal remainders in the order the parts were given.
    order = sorted(exact, key=lambda key: floors[key] - exact[key])
    out = dict(floors)
    for key in order[: max(units, 0)]:
        out[key] += quantum
    return out


def balance_by_largest_remainder(
    exact: Sequence[Decimal | None], rounded: Sequence[Decimal], base_currency: str
) -> list[Decimal] | None:
    """Signed base values (debit > 0) of an entry's lines, made to sum to zero.

    `exact[i]` is a converted line's unrounded value (None: a line whose base amount is given and
    stays as it is), `rounded[i]` its value as rounded. When the rounded values do not sum to
    zero, the difference, in whole minor units, is taken up by converted lines one unit each,
    those whose exact value lies nearest the other rounding first: no line then differs from its
    exact value by a minor unit or more. None when that cannot balance the entry (a difference
    that is not rounding: the caller refuses the entry)."""
    quantum = minor_unit(base_currency)
    residue = sum(rounded, Decimal(0))
    if residue == 0:
        return list(rounded)
    units = residue / quantum
    if units != units.to_integral_value():
        return None
    step = -quantum if residue > 0 else quantum
    candidates = [
        i
        for i, value in enumerate(exact)
        if value is not None
        and abs(rounded[i] + step - value) < quantum
        and (rounded[i] + step) * rounded[i] > 0  # never to zero, never to the other side
    ]
    candidates.sort(key=lambda i: abs(rounded[i] + step - exact[i]))  # type: ignore[operator]
    needed = int(abs(units))
    if len(candidates) < needed:
        return None
    out = list(rounded)
    for i in candidates[:needed]:
        out[i] += step
    return out
