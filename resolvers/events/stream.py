"""Turn the process's Redis fan-out into one GraphQL subscription stream."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import strawberry
from graphql import GraphQLError

from domain.identity.events import ACCESS_CHANGES
from resolvers.events.hub import SubscriberOverflow


async def tenant_events(
    info: strawberry.Info, accept: Callable[[dict[str, Any]], bool] = lambda _: True
) -> AsyncIterator[dict[str, Any]]:
    """Envelopes of the caller's tenant only (the hub subscribes by tenant channel), of the
    companies the caller may enter as of each event: after an access change, or once the token
    has expired, the caller is authenticated again (and refused if they no longer may)."""
    context = info.context
    tenant_id = str(context.tenant_id)
    grants = context.grants
    async with context.services.hub.subscribe(tenant_id) as subscription:
        try:
            async for envelope in subscription:
                if envelope.get("tenantId") != tenant_id:
                    continue
                if envelope.get("eventType") in ACCESS_CHANGES or context.credentials_expired():
                    grants = await context.confirm_credentials()
                if not accept(envelope):
                    continue
                company = event_company(envelope)
                if company is not None and not grants.can_enter(company):
                    continue
                context.fresh_loaders()  # rows resolved for this event are read now
                yield envelope
        except SubscriberOverflow:
            raise GraphQLError(
                "You fell too far behind the event stream; re-subscribe and refetch.",
                extensions={"code": "SUBSCRIBER_OVERFLOW"},
            ) from None


def event_company(envelope: dict[str, Any]) -> uuid.UUID | None:
    """The company an event belongs to: the company itself, or its payload's companyId."""
    if envelope.get("aggregateType") == "Company":
        return uuid.UUID(envelope["aggregateId"])
    company_id = (envelope.get("payload") or {}).get("companyId")
    return uuid.UUID(company_id) if company_id else None
