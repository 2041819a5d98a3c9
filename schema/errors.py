"""Typed, expected errors returned as data in mutation payloads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Self

import strawberry

from domain.shared.errors import ErrorCode as DomainErrorCode
from domain.shared.errors import FieldError

# The domain's codes, exposed as they are: one list of codes for domain and API.
ErrorCode = DomainErrorCode
strawberry.enum(ErrorCode, name="ErrorCode", description="Why a command was refused.")


@strawberry.interface(description="An expected failure: what went wrong and which input field.")
class UserError:
    code: ErrorCode
    message: str
    field: str | None = strawberry.field(
        description="The input field at fault (camelCase), or null for the whole input."
    )

    @classmethod
    def from_domain(cls, errors: Iterable[FieldError]) -> list[Self]:
        return [cls(code=e.code, message=e.message, field=e.field) for e in errors]
