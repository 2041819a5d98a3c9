from __future__ import annotations

import strawberry

from domain.identity import handlers
from domain.shared.errors import DomainError
from schema.identity.types import AuthPayload


@strawberry.type
class IdentityMutations:
    @strawberry.mutation(description="Sign in to a tenant. Public.")
    async def login(
        self, info: strawberry.Info, tenant: str, email: str, password: str
    ) -> AuthPayload:
        services = info.context.services
        try:
            pair = await handlers.login(
                tenant_slug=tenant,
                email=email,
                password=password,
                store=services.identity,
                hasher=services.passwords,
                tokens=services.tokens,
                refresh_ttl=services.refresh_ttl,
                dummy_hash=services.dummy_password_hash,
                audit=info.context.sign_in_audit(),
                throttle=services.sign_in.for_client(info.context.ip_address),
            )
        except DomainError as exc:
            return AuthPayload.refused(exc.errors)
        return AuthPayload.from_pair(pair)

    @strawberry.mutation(
        description="Exchange a refresh token for new tokens. Each refresh token works once."
    )
    async def refresh_token(self, info: strawberry.Info, refresh_token: str) -> AuthPayload:
        services = info.context.services
        try:
            pair = await handlers.refresh(
                presented=refresh_token,
                store=services.identity,
                tokens=services.tokens,
                refresh_ttl=services.refresh_ttl,
            )
        except DomainError as exc:
            return AuthPayload.refused(exc.errors)
        return AuthPayload.from_pair(pair)
