from __future__ import annotations

import strawberry

from domain.identity import access_handlers
from domain.identity.access import CompanyAccess
from domain.identity.commands import GrantCompanyAccess
from domain.shared.errors import DomainError
from resolvers.access.mutations.common import access_changed
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.identity.access_types import AccessError, AccessPayload, GrantCompanyAccessInput


async def grant_company_access(
    info: strawberry.Info, input: GrantCompanyAccessInput
) -> AccessPayload:
    try:
        command = GrantCompanyAccess(
            user_id=parse_id(input.user_id, "userId", "user"),
            access=CompanyAccess(
                company_id=parse_id(input.company_id, "companyId", "company"),
                role_ids=tuple(parse_id(r, "roleIds", "role") for r in input.role_ids),
                permissions=tuple(p.to_domain() for p in input.permissions),
            ),
            revoke=input.revoke,
        )
        await run_command(info, access_handlers.grant_company_access, command)
    except DomainError as exc:
        return AccessPayload(ok=False, errors=AccessError.from_domain(exc.errors))
    await access_changed(info)
    return AccessPayload(ok=True, errors=[])
