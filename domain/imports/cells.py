"""Cell parsers: the text of one cell to a typed value, or a CellError saying why not.

Amounts are Decimal from the cell's text (never through float). A leading apostrophe before
= + - @ TAB or CR is dropped: it is how our exports neutralise a formula (domain/imports/
export.py), so an exported file imports back unchanged."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from domain.shared.errors import ErrorCode

E = TypeVar("E", bound=StrEnum)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


class CellError(Exception):
    def __init__(self, message: str, code: ErrorCode = ErrorCode.INVALID) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def unquoted(raw: str) -> str:
    if len(raw) > 1 and raw[0] == "'" and raw[1] in FORMULA_STARTS:
        return raw[1:]
    return raw


def text(raw: str) -> str | None:
    value = unquoted(raw).strip()
    return value or None


def integer(raw: str) -> int | None:
    value = unquoted(raw).strip()
    if not value:
        return None
    if not re.fullmatch(r"[+-]?\d{1,9}", value):
        raise CellError(f"'{value}' is not a whole number.")
    return int(value)


def decimal(raw: str) -> Decimal | None:
    value = unquoted(raw).strip().replace(",", "") if raw.count(".") <= 1 else raw.strip()
    if not value:
        return None
    if not _NUMBER.match(value):
        raise CellError(f"'{raw.strip()}' is not a number (digits, one '.', no exponent).")
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise CellError(f"'{value}' is not a number.") from exc


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def boolean(raw: str) -> bool | None:
    value = unquoted(raw).strip().lower()
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CellError(f"'{raw.strip()}' is not true/false (or yes/no, 1/0).")


def iso_date(raw: str) -> date | None:
    value = unquoted(raw).strip()
    if not value:
        return None
    try:
        return (
            date.fromisoformat(value[:10]) if len(value) in (10, 19) else date.fromisoformat(value)
        )
    except ValueError as exc:
        raise CellError(f"'{value}' is not a date (YYYY-MM-DD).") from exc


def choice(enum: type[E]) -> Callable[[str], E | None]:
    names = {m.value.lower(): m for m in enum} | {m.name.lower(): m for m in enum}

    def parse(raw: str) -> E | None:
        value = unquoted(raw).strip()
        if not value:
            return None
        found = names.get(value.lower().replace(" ", "_").replace("-", "_"))
        if found is None:
            allowed = ", ".join(m.value for m in enum)
            raise CellError(f"'{value}' is not one of: {allowed}.")
        return found

    return parse


Parser = Callable[[str], Any]
