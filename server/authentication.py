"""Who is calling: a bearer token (JWT access token, or an API key) → principal and tenant.

Steps, each a seam of its own: verify the credential → load the tenant → resolve the caller's
access grants. A failure leaves `context.auth_error` set (the reason shown with UNAUTHENTICATED).
"""

from __future__ import annotations

import logging

from domain.identity.api_keys import is_api_key
from domain.identity.model import Principal
from resolvers.context import RequestContext
from server.api_key_auth import authenticate_api_key
from server.logging import tenant_id_var, user_id_var
from server.security.tokens import InvalidToken, TokenService

logger = logging.getLogger("bigledger.auth")


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
    tenant = await services.tenant_contexts.get(claims.tenant_id)  # one Redis round trip
    if tenant is None or not tenant.active:
        context.auth_error = "The token's tenant does not exist or is suspended."
        return
    grants = await services.access.grants(
        services.engines.for_schema(tenant.schema_name), tenant.id, claims.user_id
    )
    if grants is None:
        context.auth_error = "This account has been deactivated."
        return
    context.authenticate(Principal(claims.user_id, tenant.id, tenant.schema_name, grants), tenant)
    context.credential_expires_at = claims.expires_at
    tenant_id_var.set(str(tenant.id))
    user_id_var.set(str(claims.user_id))


async def reauthenticate(context: RequestContext, token: str) -> None:
    """A websocket asks again whether its caller is still who they were, with which rights:
    after an access change or once the token has expired. Failing leaves no principal."""
    context.principal = None
    await authenticate(context, token)
