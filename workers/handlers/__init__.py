"""The ASYNC effects (`domain/effects.py`), by name, and which event types each one receives.

A handler runs inside its tenant's transaction together with the (event, handler) claim, so a
redelivered event finds the claim and does nothing: each handler acts once per event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from db.projections import IN_TRANSACTION
from domain.effects import EFFECTS_BY_EVENT, Stage, effects_of, names_at
from workers.handlers.usage import count_company

Handler = Callable[[AsyncConnection, dict[str, Any]], Awaitable[None]]

HANDLERS: dict[str, Handler] = {
    "usage.count_company": count_company,
}

if names_at(Stage.ASYNC) != set(HANDLERS):  # a declared effect nobody runs, or the reverse
    raise RuntimeError(
        f"ASYNC effects out of step with domain/effects.py: {names_at(Stage.ASYNC) ^ set(HANDLERS)}"
    )

# What a task may run: the ASYNC effects, and the IN_TRANSACTION ones for a task of that name
# still in the broker from when it was ASYNC (it finds the claim its command wrote, or applies
# an event committed before the change, once).
RUNNABLE: dict[str, Handler] = {**HANDLERS, **IN_TRANSACTION}

# event type -> the ASYNC effects it triggers (what the relay dispatches and `events check` reads)
SUBSCRIBERS: dict[str, tuple[str, ...]] = {
    event_type: names
    for event_type in EFFECTS_BY_EVENT
    if (names := effects_of(event_type, Stage.ASYNC))
}


def handlers_for(event_type: str) -> tuple[str, ...]:
    return SUBSCRIBERS.get(event_type, ())
