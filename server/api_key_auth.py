"""Authentication with an API key (`Authorization: Bearer blg_live_sk_…`).

One indexed lookup by the token's hash, then the tenant's context and the creator's grants
(both Redis-cached, as for a user's token). The key acts as its creator, limited to the key's
permissions: never more than the creator holds now, nothing once the creator is deactivated.
"""

from __future__ import annotations

from domain.identity.api_keys import restrict
from domain.identity.model import Principal
from resolvers.context import RequestContext
from server.logging import tenant_id_var, user_id_var

FEATURE = "api_keys"


async def authenticate_api_key(context: RequestContext, token: str) -> None:
    services = context.services
    key = await services.api_keys.authenticate(token)
    if key is None:
        context.auth_error = "Unknown API key."
        return
    if key.revoked_at is not None:
        context.auth_error = "This API key has been revoked."
        return
    tenant = await services.tenant_contexts.get(key.tenant_id)
    if tenant is None or not tenant.active:
        context.auth_error = "The API key's tenant does not exist or is suspended."
        return
    if FEATURE not in getattr(tenant, "features", (FEATURE,)):
        context.auth_error = "API keys are not part of this tenant's plan."
        return
    creator = await services.access.grants(
        services.engines.for_schema(tenant.schema_name), tenant.id, key.created_by
    )
    if creator is None:
        context.auth_error = "The user who created this API key has been deactivated."
        return
    grants = restrict(creator, key.permissions)
    principal = Principal(key.created_by, tenant.id, tenant.schema_name, grants, api_key_id=key.id)
    context.authenticate(principal, tenant)
    services.api_keys.touch(key.id)
    tenant_id_var.set(str(tenant.id))
    user_id_var.set(str(key.created_by))
