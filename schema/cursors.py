"""The one cursor codec of every connection. A cursor is the url-safe base64 of a row's keyset
position written as text; clients treat it as opaque.

Two layouts, each byte-identical to what the connections issued before they shared this codec
(cursors already in clients' hands keep working):

- `KeysetCursor`: fixed fields joined by "|" (created_at|id, code|id, name|id, day|entry|line,
  product|warehouse, seq, "audit:"seq). Only the first field may itself contain "|" (a name, a
  code or a SKU), so a cursor is split from the right.
- `SortValueCursor`: a JSON list [kind, value, id] for a sort key whose type depends on the sort
  the client chose (sales invoices: by date, number, amount, ...).

A cursor that does not decode is the client's error: `InvalidCursor`, BAD_USER_INPUT on `after`,
whatever went wrong inside it (never a server error).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar, cast

from graphql import GraphQLError

K = TypeVar("K")
Reader = Callable[[str], Any]

NOT_A_CURSOR = "`after` is not a cursor returned by this API."
INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1


class InvalidCursor(GraphQLError):
    def __init__(self) -> None:
        super().__init__(NOT_A_CURSOR, extensions={"code": "BAD_USER_INPUT", "argument": "after"})


def whole_number(low: int, high: int) -> Reader:
    """Reads an integer field written by `str(int)`: ASCII digits only, within the column's
    range (a wider one would fail in the database instead of here)."""

    def read(text: str) -> int:
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            raise ValueError(text)
        return int(text)

    return read


def _wrap(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _unwrap(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeError):
        raise InvalidCursor() from None


def _text(field: object) -> str:
    return field.isoformat() if isinstance(field, date | datetime) else str(field)


@dataclass(frozen=True)
class KeysetCursor(Generic[K]):
    """A position given by fixed fields; `K` is the tuple `decode` returns (one value per
    reader, in order)."""

    readers: tuple[Reader, ...]
    prefix: str = ""  # names the connection where fields alone could be mistaken (audit)

    def encode(self, *fields: object) -> str:
        return _wrap(self.prefix + "|".join(_text(f) for f in fields))

    def decode(self, cursor: str) -> K:
        text = _unwrap(cursor)
        if not text.startswith(self.prefix):
            raise InvalidCursor()
        fields = text.removeprefix(self.prefix).rsplit("|", len(self.readers) - 1)
        if len(fields) != len(self.readers):
            raise InvalidCursor()
        try:
            return cast(K, tuple(read(f) for read, f in zip(self.readers, fields, strict=True)))
        except (ValueError, TypeError, OverflowError):
            raise InvalidCursor() from None


# The positions the connections page by.
CREATED_AT = KeysetCursor[tuple[datetime, uuid.UUID]]((datetime.fromisoformat, uuid.UUID))
"""Documents, payments, companies, journal entries: oldest first."""
NAME = KeysetCursor[tuple[str, uuid.UUID]]((str, uuid.UUID))
"""Accounts by code, products by SKU, suppliers by lower-cased name."""
ID_PAIR = KeysetCursor[tuple[uuid.UUID, uuid.UUID]]((uuid.UUID, uuid.UUID))
"""Stock levels: product, warehouse."""
SEQUENCE = KeysetCursor[tuple[int]]((whole_number(0, INT8_MAX),))
"""Stock movements in the order they were recorded."""
AUDIT_SEQUENCE = KeysetCursor[tuple[int]]((whole_number(1, INT8_MAX),), prefix="audit:")
"""The audit log, newest first."""
LEDGER_LINE = KeysetCursor[tuple[date, uuid.UUID, int]](
    (date.fromisoformat, uuid.UUID, whole_number(0, INT4_MAX))
)
"""The general ledger: posting date, journal entry, line number."""


class SortValueCursor:
    """A position in a list the client sorts: the sort value, typed so it decodes to what it
    was (a date stays a date, an amount a Decimal), then the row id."""

    _READERS: dict[str, Callable[[Any], Any]] = {
        "t": datetime.fromisoformat,
        "d": date.fromisoformat,
        "n": Decimal,
        "z": lambda v: None,
        "s": str,
    }

    @staticmethod
    def encode(value: Any, row_id: uuid.UUID) -> str:
        typed: list[Any]
        if isinstance(value, datetime):
            typed = ["t", value.isoformat()]
        elif isinstance(value, date):
            typed = ["d", value.isoformat()]
        elif isinstance(value, Decimal):
            typed = ["n", str(value)]
        elif value is None:
            typed = ["z", None]
        else:
            typed = ["s", str(value)]
        return _wrap(json.dumps([*typed, str(row_id)]))

    @classmethod
    def decode(cls, cursor: str) -> tuple[Any, uuid.UUID]:
        try:
            kind, value, row_id = json.loads(_unwrap(cursor))
            return cls._READERS[kind](value), uuid.UUID(row_id)
        except (ValueError, KeyError, TypeError, ArithmeticError):
            raise InvalidCursor() from None


SORT_VALUE = SortValueCursor()
