"""Running a stock command with retries of transient lock conflicts.

Stock commands lock stock-level rows in one global order, so among themselves they cannot
deadlock. A command of another context that locks stock rows out of order, or a serialization
failure, can still make PostgreSQL abort one transaction; the command is then simply run
again (a fresh unit of work: nothing of the aborted attempt was written) instead of the user
seeing a database error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.exc import DBAPIError

from resolvers.commands import run_command

T = TypeVar("T")
RETRIED = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
ATTEMPTS = 4


def _transient(exc: BaseException) -> bool:
    state = getattr(exc, "sqlstate", None)
    if isinstance(exc, DBAPIError):
        state = getattr(exc.orig, "sqlstate", None)
    return state in RETRIED


async def run_stock_command(
    info: strawberry.Info, handler: Callable[..., Awaitable[T]], command: Any
) -> T:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await run_command(info, handler, command)
        except Exception as exc:
            if attempt == ATTEMPTS or not _transient(exc):
                raise
            await asyncio.sleep(0.01 * attempt)  # let the transaction that won commit
    raise AssertionError("unreachable")
