"""Who is calling: a bearer token (JWT access token, or an API key) → principal and tenant.

Steps, each a seam of its own: verify the credential → load the tenant → resolve the caller's
access grants. A failure leaves `context.auth_error` set (the reason shown with UNAUTHENTICATED).
"""

from __future__ import annotations

import logging

from domain.identity.model import Principal
from resolvers.context import RequestContext
from server.logging import tenant_id_var, user_id_var
from server.security.tokens import InvalidToken, TokenService

logger = logging.getLogger("bigledger.auth")


async def authenticate(context: RequestContext, token: str) -> None:
    services = context.services
    tokens = services.tokens
    assert isinstance(tokens, TokenService)
    try:
        claims = tokens.verify(token)
    except InvalidToken as exc:
        context.auth_error = str(exc)
        return
    tenant = await services.tenants.get(claims.tenant_id)
    if tenant is None or not tenant.active:
        context.auth_error = "The token's tenant does not exist or is suspended."
        return
    grants = await services.access.grants(
        services.engines.for_schema(tenant.schema_name), tenant.id, claims.user_id
    )
    context.authenticate(Principal(claims.user_id, tenant.id, tenant.schema_name, grants), tenant)
    tenant_id_var.set(str(tenant.id))
    user_id_var.set(str(claims.user_id))
