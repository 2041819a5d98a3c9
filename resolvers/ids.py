"""Ids from the client: the one place a GraphQL `ID` becomes a UUID, and what a malformed one
answers. The answer depends on where the id came from:

- an argument of a query or subscription (`argument_id`): a GraphQL error BAD_USER_INPUT that
  names the argument — the request itself is wrong;
- a field of a mutation's input (`parse_id`): the payload's typed NOT_FOUND error on that field —
  a mutation answers with data, and a malformed id names no record, just like an unknown one.
"""

from __future__ import annotations

import uuid

from domain.shared.errors import DomainError, ErrorCode
from resolvers.errors import bad_input


def uuid_of(value: object) -> uuid.UUID | None:
    """The value as a UUID, or None if it is not one (callers decide what that answers)."""
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def argument_id(value: object, argument: str) -> uuid.UUID:
    """An id argument as a UUID; a malformed one is the client's error, named."""
    parsed = uuid_of(value)
    if parsed is None:
        raise bad_input(f"`{argument}` is not an id.", argument)
    return parsed


def optional_argument_id(value: object | None, argument: str) -> uuid.UUID | None:
    """An id argument that may be left out (None stays None)."""
    return None if value is None else argument_id(value, argument)


def parse_id(value: object, field: str, what: str = "record") -> uuid.UUID:
    """An id in a mutation's input; a malformed one raises DomainError for the payload."""
    parsed = uuid_of(value)
    if parsed is None:
        raise DomainError.single(ErrorCode.NOT_FOUND, f"No {what} with id '{value}'.", field)
    return parsed
