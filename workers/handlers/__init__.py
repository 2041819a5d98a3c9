"""Event handlers, by name, and which event types each one receives.

A handler runs inside its tenant's transaction together with the (event, handler) claim, so a
redelivered event finds the claim and does nothing: each handler acts once per event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.company.events import COMPANY_CREATED
from workers.handlers.usage import count_company

Handler = Callable[[AsyncConnection, dict[str, Any]], Awaitable[None]]

HANDLERS: dict[str, Handler] = {
    "usage.count_company": count_company,
}

SUBSCRIBERS: dict[str, tuple[str, ...]] = {
    COMPANY_CREATED: ("usage.count_company",),
}


def handlers_for(event_type: str) -> tuple[str, ...]:
    return SUBSCRIBERS.get(event_type, ())
