from __future__ import annotations

import strawberry

from domain.identity import handlers
from domain.shared.errors import DomainError
from schema.identity.types import AuthPayload


async def accept_invitation(
    info: strawberry.Info, tenant: str, email: str, invitation_token: str, password: str
) -> AuthPayload:
    services = info.context.services
    try:
        pair = await handlers.accept_invitation(
            tenant_slug=tenant,
            email=email,
            token=invitation_token,
            password=password,
            store=services.identity,
            hasher=services.passwords,
            tokens=services.tokens,
            refresh_ttl=services.refresh_ttl,
        )
    except DomainError as exc:
        return AuthPayload.refused(exc.errors)
    return AuthPayload.from_pair(pair)
