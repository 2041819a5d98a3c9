from __future__ import annotations

import strawberry

from domain.identity import access_handlers
from domain.identity.commands import CreateRole
from domain.shared.errors import DomainError
from resolvers.access.mutations.common import access_changed
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.identity.access_types import CreateRoleInput, RoleError, RolePayload, RoleType


async def create_role(info: strawberry.Info, input: CreateRoleInput) -> RolePayload:
    try:
        command = CreateRole(
            name=input.name,
            description=input.description,
            permissions=tuple(p.to_domain() for p in input.permissions),
            inherits=tuple(parse_id(i, "inherits", "role") for i in input.inherits),
        )
        role = await run_command(info, access_handlers.create_role, command)
    except DomainError as exc:
        return RolePayload(role=None, errors=RoleError.from_domain(exc.errors))
    await access_changed(info)
    return RolePayload(role=RoleType.of(role), errors=[])
