from __future__ import annotations

import strawberry

from schema.identity.types import Me, Tenant, User
from schema.permissions import guarded


@strawberry.type
class IdentityQueries:
    @strawberry.field(**guarded("profile:read", "Who you are and which tenant you act in."))
    async def me(self, info: strawberry.Info) -> Me:
        context = info.context
        principal = context.require_principal()
        profile = await context.services.identity.user_profile(principal.user_id)
        return Me(user=User.from_profile(profile), tenant=Tenant.from_record(context.tenant))
