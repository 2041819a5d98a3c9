"""Shared scalars. Money travels as a string so no client ever parses it into a float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition


def _parse_money(value: Any) -> Decimal:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError('Money must be a decimal string such as "1234.50".')
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"'{value}' is not a decimal amount.") from None
    if not amount.is_finite():
        raise ValueError("Money must be a finite amount.")
    if amount.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValueError("Money has at most 4 decimal places.")
    return amount


Money = NewType("Money", Decimal)
JSON = NewType("JSON", object)

# Registered on the schema's config (see schema.build).
SCALARS: dict[object, ScalarDefinition] = {
    Money: strawberry.scalar(
        name="Money",
        serialize=lambda v: format(v, "f"),
        parse_value=_parse_money,
        description=(
            'A decimal amount as a string (NUMERIC(19,4)), e.g. "1234.5000". Never a float.'
        ),
    ),
    JSON: strawberry.scalar(
        name="JSON",
        serialize=lambda v: v,
        parse_value=lambda v: v,
        description="Arbitrary JSON (event payloads).",
    ),
}
