"""Running a command from a mutation resolver: one unit of work, the caller's origin and grants."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry

T = TypeVar("T")


async def run_command(
    info: strawberry.Info,
    handler: Callable[..., Awaitable[T]],
    command: Any,
    **options: Any,
) -> T:
    """Raises DomainError for the resolver to turn into its payload's errors."""
    context = info.context
    origin = context.origin()
    return await handler(command, context.unit_of_work(origin), origin, context.grants, **options)
