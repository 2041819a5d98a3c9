"""The IN_TRANSACTION effects (`domain/effects.py`), written in the command's transaction,
before its COMMIT (`SqlUnitOfWork.commit`). Two kinds:

- projections (`IN_TRANSACTION`): read models a command's own rules read, run as statements
  after the handler. Each records its (event id, effect) claim in `processed_events` like an
  ASYNC effect, so every stage leaves the same trace and a redelivered task of the same name
  changes nothing.
- final parts (`FINAL_PARTS`): rows derived from the events, written by a CTE of the commit's
  one final statement (no round trip of their own). Their rows are unique per event, so they
  need no claim: the webhook messages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.projections.customer_balance import HANDLER as CUSTOMER_BALANCE
from db.projections.customer_balance import apply_balance_change
from db.projections.webhook_messages import NAME as WEBHOOK_MESSAGES
from db.projections.webhook_messages import webhook_messages_part
from db.tables.tenant import processed_events
from domain.effects import Stage, effects_of, names_at
from domain.shared.events import DomainEvent

Projection = Callable[[AsyncConnection, dict[str, Any]], Awaitable[None]]

# (tenant schema, the commit's events) -> a CTE and its arguments, or None
FinalPart = Callable[[str, Sequence[DomainEvent]], tuple[str, tuple[Any, ...]] | None]

IN_TRANSACTION: dict[str, Projection] = {CUSTOMER_BALANCE: apply_balance_change}
FINAL_PARTS: dict[str, FinalPart] = {WEBHOOK_MESSAGES: webhook_messages_part}

if names_at(Stage.IN_TRANSACTION) != set(IN_TRANSACTION) | set(FINAL_PARTS):
    raise RuntimeError(  # a declared effect nobody runs, or the reverse
        "IN_TRANSACTION effects out of step with domain/effects.py: "
        f"{names_at(Stage.IN_TRANSACTION) ^ (set(IN_TRANSACTION) | set(FINAL_PARTS))}"
    )


def final_parts(schema: str, events: Sequence[DomainEvent]) -> list[tuple[str, tuple[Any, ...]]]:
    """The CTEs the commit's final statement carries for its events' IN_TRANSACTION effects."""
    names = {name for e in events for name in effects_of(e.event_type, Stage.IN_TRANSACTION)}
    return [part for name in FINAL_PARTS if name in names
            if (part := FINAL_PARTS[name](schema, events)) is not None]  # fmt: skip


async def run_in_transaction(conn: AsyncConnection, events: Sequence[DomainEvent]) -> None:
    """The IN_TRANSACTION effects of a command's events, in event order, with their claims."""
    work = [
        (event, name)
        for event in events
        for name in effects_of(event.event_type, Stage.IN_TRANSACTION)
        if name in IN_TRANSACTION
    ]
    if not work:
        return
    await conn.execute(
        insert(processed_events), [{"event_id": e.id, "handler": name} for e, name in work]
    )
    for event, name in work:
        await IN_TRANSACTION[name](conn, event.to_envelope())
