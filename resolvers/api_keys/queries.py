from __future__ import annotations

import strawberry

from resolvers.errors import bad_input
from schema.identity.api_key_types import ApiKeyType
from schema.permissions import guarded
from schema.relay import MAX_PAGE_SIZE


@strawberry.type
class ApiKeyQueries:
    @strawberry.field(**guarded("apikey:read", "Your tenant's API keys, newest first."))
    async def api_keys(
        self, info: strawberry.Info, first: int = 50, include_revoked: bool = True
    ) -> list[ApiKeyType]:
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise bad_input(f"`first` must be between 1 and {MAX_PAGE_SIZE}.", "first")
        context = info.context
        keys = await context.services.api_keys.list(
            context.tenant_id, include_revoked=include_revoked, limit=first
        )
        return [ApiKeyType.of(k) for k in keys]
