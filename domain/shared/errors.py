"""Expected failures of commands.

They are data, not crashes: the GraphQL layer turns each into `{code, message, field}` in the
mutation payload. Anything that is not a DomainError is unexpected and gets masked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    DUPLICATE = "DUPLICATE"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    UNBALANCED = "UNBALANCED"  # a journal entry's debits and credits differ
    PERIOD_CLOSED = "PERIOD_CLOSED"  # no open fiscal period covers the date
    INVALID_STATE = "INVALID_STATE"  # not allowed in the record's state (posting a posted entry)
    MISSING_RATE = "MISSING_RATE"  # no exchange rate in force for a foreign-currency line


@dataclass(frozen=True)
class FieldError:
    code: ErrorCode
    message: str
    field: str | None = None  # the input field at fault, as the client spelled it (camelCase)


class DomainError(Exception):
    """One or more expected failures; nothing of the command has been written."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__("; ".join(e.message for e in self.errors))

    @classmethod
    def single(cls, code: ErrorCode, message: str, field: str | None = None) -> DomainError:
        return cls([FieldError(code, message, field)])


class NotFound(DomainError):
    def __init__(self, what: str, field: str | None = "id") -> None:
        super().__init__([FieldError(ErrorCode.NOT_FOUND, f"{what} not found.", field)])


class Conflict(DomainError):
    def __init__(self, message: str, field: str | None = "version") -> None:
        super().__init__([FieldError(ErrorCode.CONFLICT, message, field)])


class Unauthenticated(DomainError):
    def __init__(self, message: str = "Authentication required.") -> None:
        super().__init__([FieldError(ErrorCode.UNAUTHENTICATED, message, None)])


class ValidationErrors:
    """Collects every problem with an input before failing, so a user fixes them all at once."""

    def __init__(self) -> None:
        self._errors: list[FieldError] = []

    def add(self, field: str, message: str, code: ErrorCode = ErrorCode.INVALID) -> None:
        self._errors.append(FieldError(code, message, field))

    def raise_if_any(self) -> None:
        if self._errors:
            raise DomainError(self._errors)
