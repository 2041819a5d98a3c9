"""A command aborted by a deadlock or serialization failure is run again (a fresh unit of work
each attempt), not shown to the user; any other failure is not retried. Moved from
tests/inventory/test_retry.py: the retry was the stock commands' and is now every command's."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest

from resolvers import commands


def _info() -> Any:
    """What run_command reads of the request: the origin, the grants, a unit of work."""
    context = SimpleNamespace(
        origin=lambda: None,
        grants=None,
        unit_of_work=lambda origin: SimpleNamespace(committed_events=[]),
    )
    return SimpleNamespace(context=context)


async def test_transient_lock_conflicts_are_retried_and_others_are_not() -> None:
    calls: list[int] = []
    failures: list[BaseException] = [
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
    ]

    async def flaky(command: Any, uow: Any, origin: Any, grants: Any) -> str:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return "done"

    assert await commands.run_command(_info(), flaky, None) == "done"
    assert len(calls) == 3

    async def broken(command: Any, uow: Any, origin: Any, grants: Any) -> str:
        calls.append(1)
        raise asyncpg.exceptions.UniqueViolationError("duplicate key")

    calls.clear()
    with pytest.raises(asyncpg.exceptions.UniqueViolationError):
        await commands.run_command(_info(), broken, None)
    assert len(calls) == 1


async def test_a_command_that_committed_is_never_run_again() -> None:
    calls: list[int] = []

    def unit_of_work(origin: Any) -> Any:
        return SimpleNamespace(committed_events=["an event"])  # as after a commit

    info = SimpleNamespace(
        context=SimpleNamespace(origin=lambda: None, grants=None, unit_of_work=unit_of_work)
    )

    async def failing_late(command: Any, uow: Any, origin: Any, grants: Any) -> str:
        calls.append(1)
        raise asyncpg.exceptions.DeadlockDetectedError("deadlock detected")

    with pytest.raises(asyncpg.exceptions.DeadlockDetectedError):
        await commands.run_command(info, failing_late, None)
    assert len(calls) == 1
