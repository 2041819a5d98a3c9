from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from resolvers.events.stream import tenant_events
from schema.events.types import DomainEvent
from schema.permissions import guarded


@strawberry.type
class EventSubscriptions:
    @strawberry.subscription(
        **guarded("events:read", "Every domain event of your tenant, optionally by type.")
    )
    async def domain_events(
        self, info: strawberry.Info, event_types: list[str] | None = None
    ) -> AsyncGenerator[DomainEvent, None]:
        wanted = frozenset(event_types or ())
        async for envelope in tenant_events(info, lambda e: not wanted or e["eventType"] in wanted):
            yield DomainEvent.from_envelope(envelope)
