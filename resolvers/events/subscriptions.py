from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry

from resolvers.events.stream import tenant_events
from schema.events.types import DomainEvent, ResumeAfter
from schema.permissions import guarded


@strawberry.type
class EventSubscriptions:
    @strawberry.subscription(
        **guarded("events:read", "Every domain event of your tenant, optionally by type.")
    )
    async def domain_events(
        self,
        info: strawberry.Info,
        event_types: list[str] | None = None,
        after: ResumeAfter = None,
    ) -> AsyncGenerator[DomainEvent, None]:
        wanted = frozenset(event_types or ())

        def accept(envelope: dict[str, Any]) -> bool:
            return not wanted or envelope["eventType"] in wanted

        async for envelope in tenant_events(info, accept, after):
            yield DomainEvent.from_envelope(envelope)
