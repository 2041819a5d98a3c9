"""A stock command aborted by a deadlock or serialization failure is run again, not shown to
the user; any other failure is not retried."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from resolvers.inventory.mutations import retry


async def test_transient_lock_conflicts_are_retried_and_others_are_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    failures: list[BaseException] = [
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
    ]

    async def flaky(info: Any, handler: Any, command: Any) -> str:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return "done"

    monkeypatch.setattr(retry, "run_command", flaky)
    assert await retry.run_stock_command(None, None, None) == "done"  # type: ignore[arg-type]
    assert len(calls) == 3

    async def broken(info: Any, handler: Any, command: Any) -> str:
        calls.append(1)
        raise asyncpg.exceptions.UniqueViolationError("duplicate key")

    monkeypatch.setattr(retry, "run_command", broken)
    calls.clear()
    with pytest.raises(asyncpg.exceptions.UniqueViolationError):
        await retry.run_stock_command(None, None, None)  # type: ignore[arg-type]
    assert len(calls) == 1
