from __future__ import annotations

import strawberry

from domain.identity.model import TokenPair
from schema.errors import UserError


@strawberry.type
class AuthError(UserError):
    pass


@strawberry.type(description="Tokens from a sign-in or a refresh. Keep the refresh token secret.")
class AuthPayload:
    access_token: str | None
    refresh_token: str | None
    expires_in: int | None = strawberry.field(
        description="Seconds until the access token expires."
    )
    errors: list[AuthError]
    token_type: str = "Bearer"

    @classmethod
    def from_pair(cls, pair: TokenPair) -> AuthPayload:
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
            errors=[],
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


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    email: str
    full_name: str | None


@strawberry.type(description="The signed-in user and the tenant they act in.")
class Me:
    user: User
    tenant: Tenant
