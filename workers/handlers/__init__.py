"""Event handlers, by name, and which event types each one receives.

A handler runs inside its tenant's transaction together with the (event, handler) claim, so a
redelivered event finds the claim and does nothing: each handler acts once per event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.company.events import COMPANY_CREATED
from domain.sales.events import BALANCE_EVENTS
from workers.handlers.customer_balance import HANDLER as CUSTOMER_BALANCE
from workers.handlers.customer_balance import apply_balance_change
from workers.handlers.usage import count_company

Handler = Callable[[AsyncConnection, dict[str, Any]], Awaitable[None]]

HANDLERS: dict[str, Handler] = {
    "usage.count_company": count_company,
    CUSTOMER_BALANCE: apply_balance_change,
}

SUBSCRIBERS: dict[str, tuple[str, ...]] = {
    COMPANY_CREATED: ("usage.count_company",),
}

for _event in BALANCE_EVENTS:  # sales: the customer balance read model
    SUBSCRIBERS[_event] = (*SUBSCRIBERS.get(_event, ()), CUSTOMER_BALANCE)


def handlers_for(event_type: str) -> tuple[str, ...]:
    return SUBSCRIBERS.get(event_type, ())
