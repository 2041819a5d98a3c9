"""Turn the process's Redis fan-out into one GraphQL subscription stream that misses nothing.

Redis carries events live; the tenant's outbox keeps every committed event in order. Where the
hub reports a Gap (a Redis outage, or a queue that overflowed because the client read slowly) the
stream reads what it may have missed from the outbox, at the client's pace, and then goes on
live; a client that reconnects passes `after: <last event id it received>` and gets the events
since then the same way. Each event is passed on once: the stream remembers the ids it passed on.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from db.event_replay import (
    StoredEvent,
    events_after,
    latest_position,
    sent_later_before,
    stored_event,
)
from domain.identity.access import AccessGrants
from domain.identity.events import ACCESS_CHANGES
from resolvers.events.hub import Gap, Subscription

logger = logging.getLogger("bigledger.events.stream")

Envelope = dict[str, Any]
T = TypeVar("T")

REPLAY_PAGE: Final = 200
# A gap is read again from this many positions before the last event passed on: an event whose
# transaction drew its outbox id earlier but committed later may sit there unseen.
LOOKBACK: Final = 256
# Event ids remembered to drop repeats (the same event live and replayed, or published twice).
REMEMBERED: Final = 8192
REPLAY_RETRIES: Final = (0.5, 1.0, 2.0, 4.0)  # seconds between attempts while the database is away


class ReplayUnavailable(Exception):
    """The outbox could not be read, so missed events cannot be filled in."""


async def tenant_events(
    info: strawberry.Info,
    accept: Callable[[Envelope], bool] = lambda _: True,
    after: strawberry.ID | None = None,
) -> AsyncIterator[Envelope]:
    """Envelopes of the caller's tenant only (the hub subscribes by tenant channel, the outbox is
    the tenant's own), of the companies the caller may enter as of each event: after an access
    change, or once the token has expired, the caller is authenticated again (and refused if
    they no longer may). With `after`, first the events committed after that one."""
    context = info.context
    tenant_id = str(context.tenant_id)
    engine: AsyncEngine = context.tenant_engine
    grants = context.grants
    async with context.services.hub.subscribe(tenant_id) as subscription:
        # The channel is live now: whatever commits from here on comes live or in a replay.
        stream = await _open(engine, grants, after)
        try:
            async for envelope in stream.envelopes(subscription):
                if envelope.get("tenantId") != tenant_id:
                    continue
                if envelope.get("eventType") in ACCESS_CHANGES or context.credentials_expired():
                    grants = await context.confirm_credentials()
                if not accept(envelope) or not visible(grants, envelope):
                    continue
                context.fresh_loaders()  # rows resolved for this event are read now
                yield envelope
        except ReplayUnavailable:
            raise GraphQLError(
                "Events you may have missed could not be read; subscribe again with `after` "
                "set to the id of the last event you received.",
                extensions={"code": "SUBSCRIBER_OVERFLOW"},
            ) from None


def visible(grants: AccessGrants, envelope: Envelope) -> bool:
    """Whether the caller may see the event at all (it is of a company they may enter)."""
    company = event_company(envelope)
    return company is None or grants.can_enter(company)


def event_company(envelope: Envelope) -> uuid.UUID | None:
    """The company an event belongs to: the company itself, or its payload's companyId."""
    if envelope.get("aggregateType") == "Company":
        return uuid.UUID(envelope["aggregateId"])
    company_id = (envelope.get("payload") or {}).get("companyId")
    return uuid.UUID(company_id) if company_id else None


async def _open(engine: AsyncEngine, grants: AccessGrants, after: strawberry.ID | None) -> _Stream:
    if after is None:
        return _Stream(engine, await latest_position(engine))
    try:
        event_id = uuid.UUID(str(after))
    except ValueError:
        raise GraphQLError(
            "`after` is not an event id.", extensions={"code": "BAD_USER_INPUT"}
        ) from None
    resumed = await _read(stored_event, engine, event_id)
    if resumed is None or not visible(grants, resumed.envelope):
        # The same answer for another tenant's event or one the caller may not see.
        raise GraphQLError("No event to resume after.", extensions={"code": "NOT_FOUND"})
    return _Stream(engine, resumed.position, resumed=resumed)


class _Stream:
    """One subscription's place in its tenant's event order.

    `floor`: the stream's start (nothing at or before it is passed on). `position`: the last
    position read from the outbox; `last_live`: the id of the newest event passed on live since
    then (its position is looked up only if a gap follows).
    """

    def __init__(
        self, engine: AsyncEngine, floor: int, *, resumed: StoredEvent | None = None
    ) -> None:
        self._engine = engine
        self._floor = self._position = floor
        self._resumed = resumed
        self._last_live: uuid.UUID | None = None
        self._passed: OrderedDict[str, None] = OrderedDict()

    async def envelopes(self, subscription: Subscription) -> AsyncIterator[Envelope]:
        """Every event of the tenant after the floor, each once: live, with gaps filled in."""
        if self._resumed is not None:
            # Positioned before the resumed event but sent after it: the client has not had them.
            for event in await _read(sent_later_before, self._engine, self._resumed, LOOKBACK):
                if self._first_time(event.envelope):
                    yield event.envelope
            async for envelope in self._replay("resumed"):
                yield envelope
        async for item in subscription:
            if isinstance(item, Gap):
                async for envelope in self._replay(item.reason):
                    yield envelope
            elif self._first_time(item):
                self._last_live = uuid.UUID(item["id"])
                yield item

    async def _replay(self, reason: str) -> AsyncIterator[Envelope]:
        start = self._position
        if self._last_live is not None:
            newest = await _read(stored_event, self._engine, self._last_live)
            if newest is not None:
                start = max(start, newest.position)
        start = max(self._floor, start - LOOKBACK)  # a resumed stream starts at its floor
        replayed = 0
        while True:
            page = await _read(events_after, self._engine, start, REPLAY_PAGE)
            for event in page:
                start = self._position = max(self._position, event.position)
                if self._first_time(event.envelope):
                    replayed += 1
                    yield event.envelope
            if len(page) < REPLAY_PAGE:
                break
        self._last_live = None
        logger.info(
            "event stream filled a gap from the outbox",
            extra={"event": "events_stream.replayed", "reason": reason, "replayed": replayed},
        )

    def _first_time(self, envelope: Envelope) -> bool:
        event_id = envelope.get("id")
        if not isinstance(event_id, str):
            return False
        if event_id in self._passed:
            return False
        self._passed[event_id] = None
        if len(self._passed) > REMEMBERED:
            self._passed.popitem(last=False)
        return True


async def _read(read: Callable[..., Awaitable[T]], *args: Any) -> T:
    """An outbox read, tried again while the database is briefly away."""
    for delay in (*REPLAY_RETRIES, None):
        try:
            return await read(*args)
        except (SQLAlchemyError, OSError) as exc:
            if delay is None:
                logger.warning(
                    "outbox replay failed",
                    extra={"event": "events_stream.replay_failed", "error": repr(exc)},
                )
                raise ReplayUnavailable from exc
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


__all__ = ["ReplayUnavailable", "event_company", "tenant_events", "visible"]
