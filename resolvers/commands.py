"""The one path from a mutation resolver to its domain handler.

Every mutation runs `run_command(info, handler, command, **options)`: the handler gets a fresh
unit of work for the caller's tenant, the caller's origin and grants, and the options (plan
limits, adapters built on the same unit of work: see resolvers/command_ports.py). A transient lock
conflict (deadlock, serialization failure) aborts PostgreSQL's transaction, so nothing of the
attempt was written; the command is then run again on a new unit of work, a few times with a
jittered back-off, instead of the user seeing a database error. Stock rows are locked by
inventory, sales deliveries and invoices, and goods receipts alike, so every command gets it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import strawberry
from sqlalchemy.exc import DBAPIError

from domain.shared.events import EventOrigin

T = TypeVar("T")
RETRIED_STATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
ATTEMPTS = 4
BACK_OFF_SECONDS = 0.01  # per attempt, jittered: let the transaction that won commit


@dataclass(frozen=True)
class UnitOfWorkPort:
    """A handler option built on the attempt's own unit of work (resolvers/command_ports.py),
    so the adapter shares the command's transaction and a retried attempt gets a new one."""

    build: Callable[[Any, EventOrigin], Any]


def is_transient(exc: BaseException) -> bool:
    """A lock conflict PostgreSQL resolved by aborting this transaction (retrying is safe)."""
    state = getattr(exc, "sqlstate", None)
    if isinstance(exc, DBAPIError):
        state = getattr(exc.orig, "sqlstate", None)
    return state in RETRIED_STATES


async def run_command(
    info: strawberry.Info,
    handler: Callable[..., Awaitable[T]],
    command: Any,
    **options: Any,
) -> T:
    """Raises DomainError for the resolver to turn into its payload's errors."""
    context = info.context
    origin = context.origin()
    for attempt in range(1, ATTEMPTS + 1):
        uow = context.unit_of_work(origin)
        arguments = {
            name: value.build(uow, origin) if isinstance(value, UnitOfWorkPort) else value
            for name, value in options.items()
        }
        try:
            return await handler(command, uow, origin, context.grants, **arguments)
        except Exception as exc:
            # A conflict is raised by a statement or the COMMIT itself, never after it (the
            # after-commit effects run on Redis); committed events would mean it came later.
            if attempt == ATTEMPTS or not is_transient(exc) or uow.committed_events:
                raise
        jitter = random.uniform(0.5, 1.5)  # noqa: S311 - spreads the retries, not a secret
        await asyncio.sleep(BACK_OFF_SECONDS * attempt * jitter)
    raise AssertionError("unreachable")
