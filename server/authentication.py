"""Who is calling: a bearer token (JWT access token, or an API key) → principal and tenant.

Steps, each a seam of its own: verify the credential → load the tenant → resolve the caller's
access grants. A failure leaves `context.auth_error` set (the reason shown with UNAUTHENTICATED).

A user's token costs one Redis round trip: a pipeline reads the tenant's cached context and
the caller's cached grants (each with its version) and, for an HTTP request of a tenant this
process has seen, takes the request's rate-limit token. The stores decide what the values mean
(a missing or stale entry is reloaded and cached again); if Redis fails, each store reads on
its own, as it would without the pipeline.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from redis.exceptions import RedisError
from starlette.requests import Request

from db.rate_limit import TokenBuckets
from domain.identity.api_keys import is_api_key
from domain.identity.model import Principal
from resolvers.context import RequestContext
from server import rate_limit
from server.api_key_auth import authenticate_api_key
from server.logging import tenant_id_var, user_id_var
from server.security.tokens import InvalidToken, TokenService

logger = logging.getLogger("bigledger.auth")


class _CachedState:
    """The replies of the request's one pipeline."""

    def __init__(self, replies: list[Any], queued_limits: tuple[int, int] | None) -> None:
        self.context, self.context_version, self.access_version, self.grants = replies[0]
        self.queued_limits = queued_limits  # the rate-limit hit queued, if any, and its limits
        self.verdict_reply = replies[1] if queued_limits is not None else None


async def _read_cached_state(
    context: RequestContext, tenant_id: uuid.UUID, user_id: uuid.UUID
) -> _CachedState | None:
    """None when Redis failed: the stores then read (or fall back) on their own."""
    services = context.services
    pipe = services.redis.pipeline(transaction=False)
    pipe.mget(
        *services.tenant_contexts.cache_keys(tenant_id),
        *services.access.cache_keys(tenant_id, user_id),
    )
    queued = None
    if isinstance(context.request, Request):  # a websocket draws per operation, not here
        queued = services.rate_limiter.queue_tenant_hit(pipe, tenant_id)
    try:
        replies = await pipe.execute(raise_on_error=False)
    except RedisError:
        return None
    if isinstance(replies[0], Exception):
        return None
    return _CachedState(replies, queued)


async def authenticate(context: RequestContext, token: str) -> None:
    if is_api_key(token):  # blg_live_sk_…: an integration's key, not a JWT
        await authenticate_api_key(context, token)
        return
    services = context.services
    tokens = services.tokens
    assert isinstance(tokens, TokenService)
    try:
        claims = tokens.verify(token)
    except InvalidToken as exc:
        context.auth_error = str(exc)
        return
    cached = await _read_cached_state(context, claims.tenant_id, claims.user_id)
    if cached is None:
        tenant = await services.tenant_contexts.get(claims.tenant_id)
    else:
        tenant = await services.tenant_contexts.from_cache_reply(
            claims.tenant_id, cached.context, cached.context_version
        )
    if tenant is None or not tenant.active:
        context.auth_error = "The token's tenant does not exist or is suspended."
        return
    engine = services.engines.for_schema(tenant.schema_name)
    if cached is None:
        grants = await services.access.grants(engine, tenant.id, claims.user_id)
    else:
        grants = await services.access.from_cache_reply(
            engine, tenant.id, claims.user_id, cached.access_version, cached.grants
        )
    if grants is None:
        context.auth_error = "This account has been deactivated."
        return
    context.authenticate(Principal(claims.user_id, tenant.id, tenant.schema_name, grants), tenant)
    context.credential_expires_at = claims.expires_at
    tenant_id_var.set(str(tenant.id))
    user_id_var.set(str(claims.user_id))
    if cached is not None and cached.queued_limits is not None:
        # The queued hit counts only if it used the limits of the plan the tenant has now;
        # otherwise (a plan change) the rate limiter hits again with the current ones.
        current = services.rate_limiter.tenant_limits(*rate_limit.plan_limits(context))
        if cached.queued_limits == current:
            context.rate_limit_verdict = TokenBuckets.reply_verdict(cached.verdict_reply)


async def reauthenticate(context: RequestContext, token: str) -> None:
    """A websocket asks again whether its caller is still who they were, with which rights:
    after an access change or once the token has expired. Failing leaves no principal."""
    context.principal = None
    await authenticate(context, token)
