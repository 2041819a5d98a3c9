from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry

from domain.company.model import AGGREGATE_TYPE
from resolvers.events.stream import tenant_events
from schema.events.types import DomainEvent, ResumeAfter
from schema.permissions import guarded


@strawberry.type
class CompanySubscriptions:
    @strawberry.subscription(
        **guarded(
            "company:read", "CompanyCreated / CompanyUpdated events, optionally of one company."
        )
    )
    async def company_events(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID | None = None,
        after: ResumeAfter = None,
    ) -> AsyncGenerator[DomainEvent, None]:
        def accept(envelope: dict[str, Any]) -> bool:
            return envelope["aggregateType"] == AGGREGATE_TYPE and (
                company_id is None or envelope["aggregateId"] == str(company_id)
            )

        async for envelope in tenant_events(info, accept, after):
            yield DomainEvent.from_envelope(envelope)
