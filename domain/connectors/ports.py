"""The connector interface and what connector handlers need from storage.

Every connector kind implements `PullSource` (data comes in) and/or `PushTarget` (data goes out).
A source takes the connector's cursor `state`, its `credentials` (opened from the key ring for
the run only) and `since` (the first date still wanted), and answers the raw records with the
state to keep if those records are committed. Transport failures are `SourceError`s: the run
fails with a typed error and writes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from domain.connectors.model import Connector


@dataclass(frozen=True)
class FeedRecord:
    """One record as the source sent it (values not checked yet: the domain checks them).
    `row` is its position in the source's answer, 1-based, as the error report shows it."""

    row: int
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Pulled:
    records: Sequence[FeedRecord]
    new_state: dict[str, Any] = field(default_factory=dict)


class SourceProblem(StrEnum):
    """Why a source's answer could not be used at all (the job's error code)."""

    UNREACHABLE = "SOURCE_UNREACHABLE"  # connection refused, DNS, TLS
    TIMEOUT = "SOURCE_TIMEOUT"
    HTTP_ERROR = "SOURCE_HTTP_ERROR"  # a status other than 2xx (redirects are not followed)
    BAD_RESPONSE = "SOURCE_BAD_RESPONSE"  # not JSON, not the expected shape, too large
    REFUSED_URL = "SOURCE_URL_REFUSED"  # the SSRF guard, checked again before each run


class SourceError(Exception):
    def __init__(self, problem: SourceProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.message = message


class PullSource(Protocol):
    async def pull(
        self,
        state: Mapping[str, Any],
        credentials: Mapping[str, str] | None,
        since: date | None,
    ) -> Pulled: ...


class PushTarget(Protocol):
    async def push(
        self,
        state: Mapping[str, Any],
        credentials: Mapping[str, str] | None,
        records: Sequence[Mapping[str, Any]],
    ) -> dict[str, Any]:
        """Send the records; the new state to keep."""


class ConnectorRepository(Protocol):
    async def add(self, connector: Connector) -> None: ...

    async def get(self, connector_id: uuid.UUID, *, for_update: bool = False) -> Connector | None:
        """With its credentials opened (the run needs them; the API never shows them)."""

    async def save(self, connector: Connector) -> None: ...

    async def delete(self, connector_id: uuid.UUID) -> None: ...

    async def company_currency(self, company_id: uuid.UUID) -> str | None:
        """The company's base currency; None: no such company in this tenant."""

    async def name_taken(
        self, company_id: uuid.UUID, name: str, *, other_than: uuid.UUID | None = None
    ) -> bool: ...

    async def rates_of_day(
        self, company_id: uuid.UUID, day: date, currencies: Sequence[str]
    ) -> dict[str, Any]:
        """currency -> the rate stored for exactly `day` (to leave equal ones untouched)."""
