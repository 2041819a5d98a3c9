"""Typed, expected errors returned as data in mutation payloads."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

import strawberry

from domain.shared.errors import ErrorCode as DomainErrorCode
from domain.shared.errors import FieldError

ErrorCode = strawberry.enum(
    Enum("ErrorCode", {c.name: c.value for c in DomainErrorCode}),  # type: ignore[misc]
    description="Why a command was refused.",
)


@strawberry.interface(description="An expected failure: what went wrong and which input field.")
class UserError:
    code: ErrorCode  # type: ignore[valid-type]
    message: str
    field: str | None = strawberry.field(
        description="The input field at fault (camelCase), or null for the whole input."
    )

    @classmethod
    def from_domain(cls, errors: Iterable[FieldError]) -> list:  # type: ignore[type-arg]
        return [cls(code=ErrorCode[e.code.name], message=e.message, field=e.field) for e in errors]
