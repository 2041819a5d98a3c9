"""The unit-of-work port: one command, one PostgreSQL transaction, events out with the state."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from domain.shared.events import RecordedEvent


class UnitOfWork(Protocol):
    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def record(self, events: list[RecordedEvent]) -> None:
        """Queue events to be written to the outbox in the same transaction as the state."""

    async def commit(self) -> None: ...
