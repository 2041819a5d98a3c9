from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry

from domain.identity.model import TokenPair
from domain.identity.plans import TenantContext
from domain.shared.errors import FieldError
from schema.errors import UserError
from schema.identity.plan_types import TenantLimitsType


@strawberry.type
class AuthError(UserError):
    pass


@strawberry.type(description="Tokens from a sign-in or a refresh. Keep the refresh token secret.")
class AuthPayload:
    access_token: str | None
    refresh_token: str | None
    expires_in: int | None = strawberry.field(description="Seconds until the access token expires.")
    errors: list[AuthError]
    token_type: str = "Bearer"  # noqa: S105 (a scheme name, not a secret)

    @classmethod
    def from_pair(cls, pair: TokenPair) -> AuthPayload:
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
            errors=[],
        )

    @classmethod
    def refused(cls, errors: Iterable[FieldError]) -> AuthPayload:
        return cls(
            access_token=None,
            refresh_token=None,
            expires_in=None,
            errors=AuthError.from_domain(errors),
        )


@strawberry.federation.type(keys=["id"])
class Tenant:
    id: strawberry.ID
    slug: str
    name: str
    schema: str = strawberry.field(description="The PostgreSQL schema holding this tenant's data.")
    subscription_plan: str
    timezone: str
    locale: str
    currency: str
    features: list[str] = strawberry.field(description="The plan's features, overrides applied.")
    limits: TenantLimitsType

    @classmethod
    def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Tenant | None:
        """Federation `_entities`: a caller can only ever resolve their own tenant."""
        tenant = info.context.tenant
        if info.context.principal is None or tenant is None or str(tenant.id) != str(id):
            return None
        return cls.from_record(tenant)

    @classmethod
    def from_record(cls, tenant: TenantContext) -> Tenant:
        return cls(
            id=strawberry.ID(str(tenant.tenant_id)),
            slug=tenant.slug,
            name=tenant.name,
            schema=tenant.schema,
            subscription_plan=tenant.subscription_plan,
            timezone=tenant.timezone,
            locale=tenant.locale,
            currency=tenant.currency,
            features=sorted(tenant.features),
            limits=TenantLimitsType.from_limits(tenant.limits),
        )


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    email: str
    full_name: str | None

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> User | None:
        """Federation `_entities`: users of the caller's tenant only (today: themselves)."""
        principal = info.context.principal
        if principal is None or str(principal.user_id) != str(id):
            return None
        profile = await info.context.services.identity.user_profile(principal.user_id)
        return cls.from_profile(profile) if profile else None

    @classmethod
    def from_profile(cls, profile: dict[str, Any]) -> User:
        return cls(
            id=strawberry.ID(str(profile["id"])),
            email=profile["email"],
            full_name=profile["full_name"],
        )


@strawberry.type(description="The signed-in user and the tenant they act in.")
class Me:
    user: User
    tenant: Tenant
