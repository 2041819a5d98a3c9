"""The Redis effects of events (`domain/effects.py` declares which event has which): report-cache
versions and the access version.

Each implementation queues its commands on a Redis pipeline, so a commit's (or a relay batch's)
effects cost one round trip whatever their number. Two stages run them: `run_after_commit` in the
committing process right after its COMMIT, and `queue_on_publish` in the outbox relay inside the
pipeline that publishes the events.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from db.access import access_version_key
from db.report_versions import BOOKS, CHART, version_key
from domain.effects import Stage, effects_of, names_at
from domain.shared.events import DomainEvent

logger = logging.getLogger(__name__)

# (tenant id, company id or None) -> the Redis keys to increment
KeysOf = Callable[[str, str | None], tuple[str, ...]]


def _company_version(kind: str) -> KeysOf:
    def keys(tenant_id: str, company_id: str | None) -> tuple[str, ...]:
        if company_id is None:  # every books/chart event names its company; nothing to bump
            return ()
        return (version_key(tenant_id, uuid.UUID(company_id), kind),)

    return keys


def _access_version(tenant_id: str, _company_id: str | None) -> tuple[str, ...]:
    return (access_version_key(tenant_id),)


IMPLEMENTATIONS: dict[str, KeysOf] = {
    "reports.books_changed": _company_version(BOOKS),
    "reports.books_imported": _company_version(BOOKS),
    "reports.chart_changed": _company_version(CHART),
    "access.version": _access_version,
}

_declared = names_at(Stage.AFTER_COMMIT) | names_at(Stage.ON_PUBLISH)
if _declared != set(IMPLEMENTATIONS):  # a declared effect nobody runs, or the reverse
    raise RuntimeError(
        f"Redis effects out of step with domain/effects.py: {_declared ^ set(IMPLEMENTATIONS)}"
    )


def keys_to_bump(
    stage: Stage, event_type: str, tenant_id: str, company_id: str | None
) -> tuple[str, ...]:
    return tuple(
        key
        for name in effects_of(event_type, stage)
        for key in IMPLEMENTATIONS[name](tenant_id, company_id)
    )


def queue_on_publish(pipe: Any, event_type: str, tenant_id: str, company_id: str | None) -> None:
    """Queue the event's ON_PUBLISH effects on the relay's publishing pipeline."""
    for key in keys_to_bump(Stage.ON_PUBLISH, event_type, tenant_id, company_id):
        pipe.incr(key)


async def run_after_commit(redis: Redis, events: Iterable[DomainEvent]) -> None:
    """The AFTER_COMMIT effects of a commit's events: one pipeline, each key bumped once."""
    keys: dict[str, None] = {}
    for event in events:
        company = event.payload.get("companyId")
        for key in keys_to_bump(
            Stage.AFTER_COMMIT, event.event_type, str(event.tenant_id),
            str(company) if company else None,
        ):  # fmt: skip
            keys[key] = None
    if not keys:
        return
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.incr(key)
            await pipe.execute()
    except RedisError:  # the relay's ON_PUBLISH bump follows; until then a report may be stale
        logger.exception("after-commit effects failed", extra={"keys": list(keys)})
