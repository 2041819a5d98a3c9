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
        tenant = context.tenant
        return Me(
            user=User(
                id=strawberry.ID(str(principal.user_id)),
                email=profile["email"],
                full_name=profile["full_name"],
            ),
            tenant=Tenant(
                id=strawberry.ID(str(tenant.id)),
                slug=tenant.slug,
                name=tenant.name,
                schema=tenant.schema_name,
                subscription_plan=tenant.plan,
                timezone=tenant.timezone,
                locale=tenant.locale,
                currency=tenant.currency_code,
            ),
        )
