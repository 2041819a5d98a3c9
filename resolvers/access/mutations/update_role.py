from __future__ import annotations

import strawberry

from domain.identity import access_handlers
from domain.identity.commands import UpdateRole
from domain.shared.errors import DomainError
from resolvers.access.mutations.common import access_changed, given
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.identity.access_types import RoleError, RolePayload, RoleType, UpdateRoleInput


async def update_role(info: strawberry.Info, input: UpdateRoleInput) -> RolePayload:
    try:
        permissions = given(input.permissions)
        inherits = given(input.inherits)
        command = UpdateRole(
            role_id=parse_id(input.id, "id", "role"),
            expected_version=input.version,
            name=given(input.name),
            description=given(input.description),
            permissions=tuple(p.to_domain() for p in permissions)
            if permissions is not None
            else None,
            inherits=(
                tuple(parse_id(i, "inherits", "role") for i in inherits)
                if inherits is not None
                else None
            ),
        )
        role = await run_command(info, access_handlers.update_role, command)
    except DomainError as exc:
        return RolePayload(role=None, errors=RoleError.from_domain(exc.errors))
    await access_changed(info)
    return RolePayload(role=RoleType.of(role), errors=[])
