"""Relay-style connections: page size and page info over a stable keyset order (the cursors
themselves: schema/cursors.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import strawberry
from graphql import GraphQLError

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


class Edge(Protocol):
    @property
    def cursor(self) -> str: ...


def clamp_first(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise ValueError(f"`first` must be between 0 and {MAX_PAGE_SIZE}.")
    return first


def page_size(first: int | None) -> int:
    """`first` as a page size; out of range is the client's error, on `first`."""
    try:
        return clamp_first(first)
    except ValueError as exc:
        raise GraphQLError(
            str(exc), extensions={"code": "BAD_USER_INPUT", "argument": "first"}
        ) from None


def page_info(edges: Sequence[Edge], has_next: bool, has_previous: bool) -> PageInfo:
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
