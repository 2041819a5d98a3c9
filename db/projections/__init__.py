"""The IN_TRANSACTION effects (`domain/effects.py`): read models a command's own rules read, so
they are written in the command's transaction, before its COMMIT (`SqlUnitOfWork.commit`).

Each records its (event id, effect) claim in `processed_events` like an ASYNC effect, so every
stage leaves the same trace and a redelivered task of the same name changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.projections.customer_balance import HANDLER as CUSTOMER_BALANCE
from db.projections.customer_balance import apply_balance_change
from db.tables.tenant import processed_events
from domain.effects import Stage, effects_of, names_at
from domain.shared.events import DomainEvent

Projection = Callable[[AsyncConnection, dict[str, Any]], Awaitable[None]]

IN_TRANSACTION: dict[str, Projection] = {CUSTOMER_BALANCE: apply_balance_change}

if names_at(Stage.IN_TRANSACTION) != set(IN_TRANSACTION):  # declared and implemented alike
    raise RuntimeError(
        "IN_TRANSACTION effects out of step with domain/effects.py: "
        f"{names_at(Stage.IN_TRANSACTION) ^ set(IN_TRANSACTION)}"
    )


async def run_in_transaction(conn: AsyncConnection, events: Sequence[DomainEvent]) -> None:
    """The IN_TRANSACTION effects of a command's events, in event order, with their claims."""
    work = [
        (event, name)
        for event in events
        for name in effects_of(event.event_type, Stage.IN_TRANSACTION)
    ]
    if not work:
        return
    await conn.execute(
        insert(processed_events), [{"event_id": e.id, "handler": name} for e, name in work]
    )
    for event, name in work:
        await IN_TRANSACTION[name](conn, event.to_envelope())
