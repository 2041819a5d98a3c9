"""The webhook sender: Celery tasks on their own queue (`<queue>.webhooks`), one round at a time
per tenant.

A round (`deliver(tenant_id)`) takes the tenant's due messages under a lease, POSTs them all at
once (httpx, 15 s per call, no redirects), records every attempt and what it decided
(domain/webhooks/delivery.py: retry schedule, Retry-After, 410), moves each endpoint's circuit
breaker (domain/webhooks/breaker.py), and disables an endpoint that answered 410 or failed
everything for 5 days (a `WebhookEndpointDisabled` event, through the unit of work).

Isolation:
- between tenants: at most `ROUNDS_PER_TENANT` rounds of a tenant at a time (a Redis counter),
  so a tenant holds at most that many worker slots whatever its endpoints do;
- between endpoints: a round never takes messages of an endpoint another round is still
  posting to (db/webhook_delivery.py), so a hanging endpoint holds one round while the tenant's
  other endpoints are served by its second;
- a round is bounded (at most `ROUND_SIZE` messages, `PER_ENDPOINT` per endpoint, every call
  concurrent, 15 s at worst), then the tenant goes to the back of the queue: tenants take turns;
- an endpoint failing `OPEN_AFTER` times in a row is skipped while its breaker is open, then
  probed with one message; a dead endpoint costs a slot for one probe per open period.
Ordering is not promised; delivery is at least once (`webhook-id` is the receivers' key).

Who starts rounds: the relay, when it publishes events of a tenant with messages due; a round
that leaves work due soon schedules its own follow-up; the relay's sweep finds the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from adapters.webhooks.http_sender import HttpWebhookSender, Sent
from db.crypto import FieldCipher
from db.engine import TenantEngines
from db.tenants import TenantDirectory
from db.unit_of_work import SqlUnitOfWork
from db.webhook_delivery import (
    DueMessage,
    EndpointState,
    EndpointUpdate,
    Outcome,
    endpoint_states,
    fail_without_event,
    next_due,
    record_outcomes,
    take_due,
)
from domain.shared.events import EventMetadata, EventOrigin
from domain.webhooks import handlers
from domain.webhooks.breaker import Breaker
from domain.webhooks.commands import DisableWebhookEndpoint
from domain.webhooks.delivery import Decision, Verdict, decide, delivery_body, should_disable
from domain.webhooks.signing import delivery_headers, message_id_of

logger = logging.getLogger("bigledger.webhooks")

ROUND_SIZE = 200
PER_ENDPOINT = 50
ROUNDS_PER_TENANT = 2
LEASE_MARGIN = 30.0  # seconds a lease outlives the slowest call
FOLLOW_UP_HORIZON = 900.0  # a round schedules its own follow-up this far ahead; the sweep beyond
SYSTEM_USER = uuid.UUID(int=0)  # the actor of what the sender does (disabling an endpoint)

# (tenant id, delay in seconds) -> a round of that tenant is enqueued
Enqueue = Callable[[str, float], None]


def rounds_key(tenant_id: str) -> str:
    return f"tenant:{tenant_id}:webhooks:rounds"


def kicked_key(tenant_id: str) -> str:
    """Set while a round of the tenant is queued and not started: more commits need no more
    rounds (the queued one will see their messages)."""
    return f"tenant:{tenant_id}:webhooks:kicked"


KICK_PENDING_TTL = 30  # seconds: a queued round lost with its broker is kicked again after it


def again_key(tenant_id: str) -> str:
    return f"tenant:{tenant_id}:webhooks:again"


def follow_up_key(tenant_id: str) -> str:
    return f"tenant:{tenant_id}:webhooks:follow-up"


@dataclass
class SenderParts:
    engines: TenantEngines
    tenants: TenantDirectory
    redis: Redis
    http: HttpWebhookSender
    cipher: FieldCipher
    enqueue: Enqueue
    timeout: float = 15.0


async def run_round(parts: SenderParts, tenant_id: str) -> str:
    """One round of one tenant. Returns what happened (for logs and tests)."""
    # Before the take: a commit the relay announces from now on finds no round queued and
    # kicks one, and one it announced before is seen by this round's take.
    await parts.redis.delete(kicked_key(tenant_id))
    tenant = await parts.tenants.get(uuid.UUID(tenant_id))
    if tenant is None:
        return "gone"
    lease = parts.timeout + LEASE_MARGIN
    if not await _enter_round(parts.redis, tenant_id, ttl=int(lease) + 1):
        # The tenant's rounds are all running: the first to end looks again.
        await parts.redis.set(again_key(tenant_id), "1", ex=int(lease) + 1)
        return "busy"
    sent = 0
    engine = parts.engines.for_schema(tenant.schema_name)
    await _consume_follow_up(parts.redis, tenant_id)
    try:
        async with engine.begin() as conn:
            due = await take_due(
                conn, round_size=ROUND_SIZE, per_endpoint=PER_ENDPOINT, lease_seconds=lease
            )
            states = await endpoint_states(conn, {m.endpoint_id for m in due}, parts.cipher)
        if due:
            sent = len(due)
            to_disable = await _send_and_record(parts, engine, due, states)
            for endpoint_id, reason in to_disable:
                await _disable(parts, engine, tenant_id, endpoint_id, reason)
        async with engine.connect() as conn:
            upcoming = await next_due(conn)
    finally:
        await _leave_round(parts.redis, tenant_id)
    again = await parts.redis.getdel(again_key(tenant_id))
    await _schedule_next(parts, tenant_id, full=sent >= ROUND_SIZE, again=bool(again),
                         upcoming=upcoming)  # fmt: skip
    return f"sent {sent}"


async def _send_and_record(
    parts: SenderParts,
    engine: Any,
    due: list[DueMessage],
    states: dict[uuid.UUID, EndpointState],
) -> list[tuple[uuid.UUID, str]]:
    gone = [m.id for m in due if m.envelope is None or m.endpoint_id not in states]
    sendable = [m for m in due if m.id not in set(gone)]
    now = datetime.now(UTC)
    # Each endpoint's URL checked once for the round (a fresh DNS lookup: no rebinding).
    refusals = dict(
        zip(
            states,
            await asyncio.gather(*(parts.http.refusal(s.endpoint.url) for s in states.values())),
            strict=True,
        )
    )
    calls = [_post(parts, m, states[m.endpoint_id], now, refusals[m.endpoint_id])
             for m in sendable]  # fmt: skip
    results: list[Sent] = list(await asyncio.gather(*calls))
    outcomes: list[Outcome] = []
    breakers = {eid: _breaker(state) for eid, state in states.items()}
    failing_since = {eid: state.failing_since for eid, state in states.items()}
    to_disable: dict[uuid.UUID, str] = {}
    finished = datetime.now(UTC)
    for message, result in zip(sendable, results, strict=True):
        attempts = message.attempts + 1
        decision = decide(result.result, attempts, finished)
        if decision.verdict is Verdict.RETRY and attempts >= message.max_attempts:
            decision = Decision(Verdict.FAILED)  # a manual retry's one attempt
        eid = message.endpoint_id
        if decision.verdict is Verdict.SUCCEEDED:
            breakers[eid] = breakers[eid].after_success()
            failing_since[eid] = None
        else:
            breakers[eid] = breakers[eid].after_failure(finished)
            failing_since[eid] = failing_since[eid] or now
            if decision.verdict is Verdict.DISABLE_ENDPOINT:
                to_disable[eid] = "The endpoint answered 410 Gone."
            elif should_disable(failing_since[eid], finished):
                to_disable[eid] = "Every delivery failed for 5 days."
        outcomes.append(
            Outcome(
                message_id=message.id,
                endpoint_id=eid,
                attempted_at=now,
                status_code=result.result.status_code,
                duration_ms=result.duration_ms,
                response_excerpt=result.response_excerpt,
                error=result.result.error,
                status=_status_of(decision),
                next_attempt_at=decision.next_attempt_at,
            )
        )
    updates = [
        EndpointUpdate(eid, b.consecutive_failures, b.open_until, b.opened_times,
                       failing_since[eid])
        for eid, b in breakers.items()
    ]  # fmt: skip
    async with engine.begin() as conn:
        await record_outcomes(conn, outcomes, updates)
        await fail_without_event(conn, gone)
    return list(to_disable.items())


def _status_of(decision: Decision) -> str:
    if decision.verdict is Verdict.SUCCEEDED:
        return "succeeded"
    if decision.verdict is Verdict.RETRY:
        return "pending"
    return "failed"


def _breaker(state: EndpointState) -> Breaker:
    return Breaker(state.consecutive_failures, state.breaker_open_until, state.breaker_opened_times)


async def _post(
    parts: SenderParts,
    message: DueMessage,
    state: EndpointState,
    now: datetime,
    refusal: str | None,
) -> Sent:
    if refusal is not None:
        return parts.http.refused(refusal)
    endpoint = state.endpoint
    timestamp = int(time.time())
    body = delivery_body(message.event_type, message.envelope or {}, now)
    headers = delivery_headers(
        message_id_of(message.id),
        timestamp,
        body,
        secrets=endpoint.secrets_in_force(now),
        signing_keys=(endpoint.signing_key,) if endpoint.signing_key else (),
    )
    return await parts.http.post(endpoint.url, headers, body, endpoint=str(endpoint.id))


async def _disable(
    parts: SenderParts, engine: Any, tenant_id: str, endpoint_id: uuid.UUID, reason: str
) -> None:
    origin = EventOrigin(
        tenant_id=uuid.UUID(tenant_id),
        user_id=SYSTEM_USER,
        correlation_id=f"webhooks-{uuid.uuid4()}",
        metadata=EventMetadata(source="bigledger webhook sender", request_id="webhooks"),
    )
    uow = SqlUnitOfWork(engine, origin, cipher=parts.cipher, operation="disableWebhookEndpoint")
    await handlers.disable_webhook_endpoint(
        DisableWebhookEndpoint(endpoint_id, reason), uow, origin
    )
    logger.warning(
        "webhook endpoint disabled",
        extra={"tenantId": tenant_id, "endpointId": str(endpoint_id), "reason": reason},
    )


async def _enter_round(redis: Redis, tenant_id: str, *, ttl: int) -> bool:
    """Take one of the tenant's round slots. The counter expires `ttl` after the last entry, so
    a worker killed inside a round frees its slot when its lease would have run out."""
    key = rounds_key(tenant_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, ttl)
        running, _ = await pipe.execute()
    if int(running) <= ROUNDS_PER_TENANT:
        return True
    await _leave_round(redis, tenant_id)
    return False


async def _leave_round(redis: Redis, tenant_id: str) -> None:
    key = rounds_key(tenant_id)
    if await redis.decr(key) < 0:  # the counter expired during a long round
        await redis.delete(key)


async def _schedule_next(
    parts: SenderParts, tenant_id: str, *, full: bool, again: bool, upcoming: datetime | None
) -> None:
    """Enqueue the tenant's next round: now when work is waiting (a full round, a kick that
    found no free slot, messages due that this round could not take), later when the next is
    due within the horizon; nothing when a follow-up already runs by then."""
    now = datetime.now(UTC)
    if full or again:
        delay = 0.0
    elif upcoming is None:
        return
    else:
        delay = max((upcoming - now).total_seconds(), 0.0)
    if delay > FOLLOW_UP_HORIZON:
        return  # the relay's sweep will find it
    at = time.time() + delay
    key = follow_up_key(tenant_id)
    scheduled = await parts.redis.get(key)
    if scheduled is not None and float(scheduled) <= at + 0.5:
        return  # a follow-up is queued for then or before
    await parts.redis.set(key, str(at), ex=int(delay) + 60)
    parts.enqueue(tenant_id, delay)


async def _consume_follow_up(redis: Redis, tenant_id: str) -> None:
    """A round that starts has done the work of any follow-up due by now: forget it, so the
    round's own end may schedule the next one."""
    key = follow_up_key(tenant_id)
    scheduled = await redis.get(key)
    if scheduled is not None and float(scheduled) <= time.time():
        await redis.delete(key)
