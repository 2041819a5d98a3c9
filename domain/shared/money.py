"""Rounding and range rules for money and quantities, one implementation for every context.

Amounts and quantities are stored as NUMERIC(19,4): `round4` rounds a computed value to that
(half up), `fits_storage` says whether a given value is storable unchanged, `has_places` whether
a value needs no rounding at some other precision (rates keep 10 places). A currency's own
precision (its ISO 4217 minor unit, `domain.shared.currency`) is `round_to_minor_unit`.
`money_text` is the 4-place text events, payloads and messages carry.

Comparisons run at 60 digits of precision: at the default 28, quantizing a 25-digit value to
4 places would raise instead of answering.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

from domain.shared.currency import minor_unit

STORAGE_QUANTUM = Decimal("0.0001")  # NUMERIC(19,4), amounts and quantities alike
STORAGE_MAX = Decimal("999999999999999.9999")

_PRECISION = 60


def round4(value: Decimal) -> Decimal:
    """`value` rounded half up to 4 places, as it is stored."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return value.quantize(STORAGE_QUANTUM, rounding=ROUND_HALF_UP)


def has_places(value: Decimal, quantum: Decimal) -> bool:
    """Whether `value` is finite and has no more places than `quantum` (nothing to round)."""
    if not value.is_finite():
        return False
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return value.quantize(quantum) == value


def fits_storage(value: Decimal) -> bool:
    """Whether `value` goes into NUMERIC(19,4) unchanged: finite, 4 places, in range."""
    return has_places(value, STORAGE_QUANTUM) and abs(value) <= STORAGE_MAX


def round_to_minor_unit(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half up to `currency`'s minor unit (sen for MYR, yen for JPY)."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def money_text(value: Decimal) -> str:
    """`value` as plain 4-place text ("1234.5000"), never in exponent form."""
    return format(round4(value), "f")
