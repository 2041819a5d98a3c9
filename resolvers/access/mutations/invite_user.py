from __future__ import annotations

import strawberry

from domain.identity import access_handlers
from domain.identity.access import CompanyAccess
from domain.identity.commands import InviteUser
from domain.shared.errors import DomainError
from resolvers.access.mutations.common import access_changed
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.identity.access_types import AccessError, InviteUserInput, InviteUserPayload


async def invite_user(info: strawberry.Info, input: InviteUserInput) -> InviteUserPayload:
    try:
        command = InviteUser(
            email=input.email,
            full_name=input.full_name,
            role_ids=tuple(parse_id(r, "roleIds", "role") for r in input.role_ids),
            company_access=tuple(
                CompanyAccess(
                    parse_id(a.company_id, "companyAccess", "company"),
                    tuple(parse_id(r, "companyAccess", "role") for r in a.role_ids),
                    tuple(p.to_domain() for p in a.permissions),
                )
                for a in input.company_access
            ),
        )
        user_id, token = await run_command(
            info, access_handlers.invite_user, command, limits=info.context.limits
        )
    except DomainError as exc:
        return InviteUserPayload(
            user_id=None, invitation_token=None, errors=AccessError.from_domain(exc.errors)
        )
    await access_changed(info)
    return InviteUserPayload(user_id=strawberry.ID(str(user_id)), invitation_token=token, errors=[])
