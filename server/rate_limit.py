"""Rate limiting at the edge: one token-bucket hit per HTTP request and per websocket operation.

Signed-in callers (a user's token or an API key) draw on their tenant's bucket — the plan's
`apiRateLimit`/`apiBurst` from the TenantContext when there is one, else the settings' defaults;
anyone else draws on a per-IP bucket. Over the limit, HTTP answers 429 with `Retry-After` and a
GraphQL-shaped error body; a websocket operation gets a GraphQL error with code RATE_LIMITED.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import orjson
from graphql import GraphQLError, GraphQLFormattedError
from starlette.responses import Response
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ErrorMessage as TransportErrorMessage,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import ErrorMessage as LegacyErrorMessage
from strawberry.subscriptions.protocols.graphql_ws.types import StartMessage

from db.rate_limit import ALLOWED, RateLimiter, RateLimits, Verdict
from domain.identity.throttle import FailureRule, ThrottlePolicy
from server.settings import Settings

logger = logging.getLogger("bigledger.ratelimit")

CODE = "RATE_LIMITED"


def rate_limits(settings: Settings) -> RateLimits:
    return RateLimits(
        per_minute=settings.rate_limit_per_minute,
        burst=settings.rate_limit_burst,
        anonymous_per_minute=settings.anonymous_rate_limit_per_minute,
        anonymous_burst=settings.anonymous_rate_limit_burst,
    )


def sign_in_policy(settings: Settings) -> ThrottlePolicy:
    def rule(free: int, lock: int) -> FailureRule:
        return FailureRule(
            free_failures=free,
            lock_failures=lock,
            base_delay=settings.sign_in_delay_seconds,
            max_delay=settings.sign_in_max_delay_seconds,
        )

    return ThrottlePolicy(
        account=rule(settings.sign_in_free_failures, settings.sign_in_lock_failures),
        client=rule(settings.sign_in_ip_free_failures, settings.sign_in_ip_lock_failures),
        lock_seconds=settings.sign_in_lock_seconds,
        window_seconds=settings.sign_in_window_seconds,
    )


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        self.seconds = max(1, math.ceil(retry_after))  # Retry-After is whole seconds
        super().__init__(f"Rate limit exceeded; try again in {self.seconds} s.")

    def error(self) -> GraphQLFormattedError:
        return GraphQLError(
            str(self), extensions={"code": CODE, "retryAfter": self.seconds}
        ).formatted


def plan_limits(context: Any) -> tuple[int | None, int | None]:
    """Hook for the per-plan override: the TenantContext's `limits.api_rate_limit` (requests per
    minute) and `limits.api_burst`. (None, None): use the deployment's defaults."""
    limits = getattr(getattr(context, "tenant_context", None), "limits", None)
    if limits is None:
        return None, None
    return getattr(limits, "api_rate_limit", None), getattr(limits, "api_burst", None)


async def check(context: Any) -> Verdict:
    """One Redis round trip: the caller's tenant bucket, or their IP's if not signed in."""
    limiter: RateLimiter | None = getattr(context.services, "rate_limiter", None)
    if limiter is None:
        return ALLOWED
    principal = context.principal
    # Authentication may have taken this request's token in its own Redis round trip.
    verdict = getattr(context, "rate_limit_verdict", None)
    if verdict is not None:
        context.rate_limit_verdict = None  # one hit per request
    elif principal is not None:
        per_minute, burst = plan_limits(context)
        verdict = await limiter.for_tenant(principal.tenant_id, per_minute, burst)
    else:
        verdict = await limiter.for_client(context.ip_address)
    if not verdict.allowed:
        logger.info(
            "rate limited",
            extra={
                "tenantId": str(principal.tenant_id) if principal else None,
                "ip": None if principal else context.ip_address,
                "retryAfter": round(verdict.retry_after, 3),
            },
        )
    return verdict


async def enforce(context: Any) -> None:
    verdict = await check(context)
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after)


def too_many_requests(exc: RateLimited) -> Response:
    return Response(
        orjson.dumps({"data": None, "errors": [exc.error()]}),
        status_code=429,
        media_type="application/json",
        headers={"Retry-After": str(exc.seconds)},
    )


class RateLimitedTransportWS(BaseGraphQLTransportWSHandler[Any, Any]):
    """graphql-transport-ws: each `subscribe` (query, mutation or subscription) takes a token."""

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and message["id"] not in self.operations:
            verdict = await check(self.context)
            if not verdict.allowed:
                error = RateLimited(verdict.retry_after).error()
                await self.send_message(
                    TransportErrorMessage(id=message["id"], type="error", payload=[error])
                )
                return
        await super().handle_subscribe(message)


class RateLimitedLegacyWS(BaseGraphQLWSHandler[Any, Any]):
    """Legacy graphql-ws: each `start` takes a token."""

    async def handle_start(self, message: StartMessage) -> None:
        if self.connection_acknowledged:
            verdict = await check(self.context)
            if not verdict.allowed:
                error = RateLimited(verdict.retry_after).error()
                await self.send_message(
                    LegacyErrorMessage(type="error", id=message["id"], payload=error)
                )
                return
        await super().handle_start(message)
