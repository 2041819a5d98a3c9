from __future__ import annotations

import strawberry

from db.api_keys import SqlApiKeyRepository
from domain.identity import api_keys
from domain.shared.errors import DomainError
from schema.identity.api_key_types import (
    ApiKeyError,
    ApiKeyType,
    CreateApiKeyInput,
    CreateApiKeyPayload,
)


async def create_api_key(info: strawberry.Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
    context = info.context
    try:
        command = api_keys.CreateApiKey(
            name=input.name, permissions=tuple(p.to_domain() for p in input.permissions)
        )
        origin = context.origin()
        uow = context.unit_of_work(origin)
        key, secret = await api_keys.create_api_key(
            command, uow, origin, context.grants, keys=SqlApiKeyRepository(uow, origin.tenant_id)
        )
    except DomainError as exc:
        return CreateApiKeyPayload(
            api_key=None, secret=None, errors=ApiKeyError.from_domain(exc.errors)
        )
    return CreateApiKeyPayload(api_key=ApiKeyType.of(key), secret=secret, errors=[])
