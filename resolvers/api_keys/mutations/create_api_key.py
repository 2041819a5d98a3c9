from __future__ import annotations

import strawberry

from domain.identity import api_keys
from domain.shared.errors import DomainError
from resolvers.command_ports import API_KEYS
from resolvers.commands import run_command
from schema.identity.api_key_types import (
    ApiKeyError,
    ApiKeyType,
    CreateApiKeyInput,
    CreateApiKeyPayload,
)


async def create_api_key(info: strawberry.Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
    try:
        command = api_keys.CreateApiKey(
            name=input.name, permissions=tuple(p.to_domain() for p in input.permissions)
        )
        key, secret = await run_command(info, api_keys.create_api_key, command, keys=API_KEYS)
    except DomainError as exc:
        return CreateApiKeyPayload(
            api_key=None, secret=None, errors=ApiKeyError.from_domain(exc.errors)
        )
    return CreateApiKeyPayload(api_key=ApiKeyType.of(key), secret=secret, errors=[])
