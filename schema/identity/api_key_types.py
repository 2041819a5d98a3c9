"""API keys as GraphQL types. The secret appears in `CreateApiKeyPayload.secret` only."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry

from domain.identity.api_keys import ApiKey
from schema.errors import UserError
from schema.identity.access_types import PermissionInput, PermissionType


@strawberry.type(name="ApiKey", description="A key for an integration (never its secret).")
class ApiKeyType:
    id: strawberry.ID
    name: str
    prefix: str = strawberry.field(description="The token's first characters, to tell keys apart.")
    permissions: list[PermissionType] = strawberry.field(
        description="What the key may do — never more than its creator holds at the time."
    )
    created_by: strawberry.ID = strawberry.field(description="The user the key acts as.")
    created_at: datetime
    last_used_at: datetime | None = strawberry.field(
        description="When the key was last used (noted at most once a minute)."
    )
    revoked_at: datetime | None
    active: bool

    @classmethod
    def of(cls, key: ApiKey) -> Self:
        return cls(
            id=strawberry.ID(str(key.id)),
            name=key.name,
            prefix=key.prefix,
            permissions=[PermissionType.of(p) for p in key.permissions],
            created_by=strawberry.ID(str(key.created_by)),
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
            active=key.active,
        )


@strawberry.input
class CreateApiKeyInput:
    name: str
    permissions: list[PermissionInput] = strawberry.field(
        description="What the key may do; you must hold each of these yourself."
    )


@strawberry.type
class ApiKeyError(UserError):
    pass


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKeyType | None
    secret: str | None = strawberry.field(
        description="The key (`blg_live_sk_…`), for `Authorization: Bearer`. Shown in this "
        "response only: only a hash of it is kept."
    )
    errors: list[ApiKeyError]


@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKeyType | None
    errors: list[ApiKeyError]
