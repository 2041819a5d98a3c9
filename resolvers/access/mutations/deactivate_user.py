from __future__ import annotations

import strawberry

from domain.identity import access_handlers
from domain.identity.commands import DeactivateUser
from domain.shared.errors import DomainError
from resolvers.access.mutations.common import access_changed
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.identity.access_types import AccessError, AccessPayload


async def deactivate_user(info: strawberry.Info, user_id: strawberry.ID) -> AccessPayload:
    try:
        command = DeactivateUser(user_id=parse_id(user_id, "userId", "user"))
        await run_command(info, access_handlers.deactivate_user, command)
    except DomainError as exc:
        return AccessPayload(ok=False, errors=AccessError.from_domain(exc.errors))
    await access_changed(info)
    return AccessPayload(ok=True, errors=[])
