from __future__ import annotations

import strawberry

from db.api_keys import SqlApiKeyRepository
from domain.identity import api_keys
from domain.shared.errors import DomainError
from resolvers.ids import parse_id
from schema.identity.api_key_types import ApiKeyError, ApiKeyType, RevokeApiKeyPayload


async def revoke_api_key(info: strawberry.Info, id: strawberry.ID) -> RevokeApiKeyPayload:
    context = info.context
    try:
        command = api_keys.RevokeApiKey(key_id=parse_id(id, "id", "API key"))
        origin = context.origin()
        uow = context.unit_of_work(origin)
        key = await api_keys.revoke_api_key(
            command, uow, origin, context.grants, keys=SqlApiKeyRepository(uow, origin.tenant_id)
        )
    except DomainError as exc:
        return RevokeApiKeyPayload(api_key=None, errors=ApiKeyError.from_domain(exc.errors))
    return RevokeApiKeyPayload(api_key=ApiKeyType.of(key), errors=[])
