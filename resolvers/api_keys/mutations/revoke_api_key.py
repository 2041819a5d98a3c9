from __future__ import annotations

import strawberry

from domain.identity import api_keys
from domain.shared.errors import DomainError
from resolvers.command_ports import API_KEYS
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.identity.api_key_types import ApiKeyError, ApiKeyType, RevokeApiKeyPayload


async def revoke_api_key(info: strawberry.Info, id: strawberry.ID) -> RevokeApiKeyPayload:
    try:
        command = api_keys.RevokeApiKey(key_id=parse_id(id, "id", "API key"))
        key = await run_command(info, api_keys.revoke_api_key, command, keys=API_KEYS)
    except DomainError as exc:
        return RevokeApiKeyPayload(api_key=None, errors=ApiKeyError.from_domain(exc.errors))
    return RevokeApiKeyPayload(api_key=ApiKeyType.of(key), errors=[])
