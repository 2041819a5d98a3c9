"""Webhook messages, written in the event's own transaction: a part of the commit's final
statement (no round trip of its own), so an event and its deliveries commit or vanish together.

PostgreSQL matches the events against the enabled endpoints: one message per (event, endpoint)
whose company filter and event-type patterns (exact, `resource.*`, `*`: the rule of
`domain/webhooks/event_types.py::matches`) accept it. `webhook.test` goes to its one endpoint.
A tenant without endpoints pays one probe of an empty index per commit with webhook events.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from db.engine import SCHEMA_NAME, SCHEMAS_CACHED
from domain.shared.events import DomainEvent
from domain.webhooks.event_types import BY_DOMAIN_EVENT
from domain.webhooks.events import WEBHOOK_TEST

NAME = "webhooks.messages"
COMPANY_AGGREGATE = "Company"


@lru_cache(maxsize=SCHEMAS_CACHED)
def _cte(schema: str) -> str:
    if not SCHEMA_NAME.match(schema):
        raise ValueError(f"not a tenant schema name: {schema!r}")
    return (
        f'webhook_fan_out AS (INSERT INTO "{schema}".webhook_messages'
        " (id, endpoint_id, event_id, event_type, next_attempt_at)"
        " SELECT gen_random_uuid(), w.id, m.e, m.t, now()"
        " FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[]) AS m(e, t, c, o)"
        f' JOIN "{schema}".webhook_endpoints w ON w.enabled AND CASE'
        " WHEN m.o IS NOT NULL THEN w.id = m.o"
        " ELSE (w.company_id IS NULL OR w.company_id = m.c) AND (m.t = ANY(w.event_types)"
        " OR split_part(m.t, '.', 1) || '.*' = ANY(w.event_types) OR '*' = ANY(w.event_types))"
        " END)"
    )


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _company_of(event: DomainEvent) -> uuid.UUID | None:
    """The company an event belongs to: its payload's companyId, or the company itself."""
    if event.aggregate_type == COMPANY_AGGREGATE:
        return event.aggregate_id
    return _uuid(event.payload.get("companyId"))


def webhook_messages_part(
    schema: str, events: Sequence[DomainEvent]
) -> tuple[str, tuple[Any, ...]] | None:
    """The CTE writing the messages of a commit's events, or None when no event is one an
    endpoint may subscribe to."""
    public = [(e, BY_DOMAIN_EVENT[e.event_type].name) for e in events
              if e.event_type in BY_DOMAIN_EVENT]  # fmt: skip
    if not public:
        return None
    return _cte(schema), (
        [e.id for e, _ in public],
        [name for _, name in public],
        [_company_of(e) for e, _ in public],
        [_uuid(e.payload.get("endpointId")) if e.event_type == WEBHOOK_TEST else None
         for e, _ in public],
    )  # fmt: skip
