from __future__ import annotations

import strawberry

from db.access import company_access_of, roles_of_tenant, tenant_accounts
from domain.identity.access import CATALOG, Permission
from schema.identity.access_types import (
    CompanyAccessEntry,
    MyAccess,
    PermissionType,
    RoleType,
    UserAccount,
)
from schema.permissions import guarded


def _entry(
    company_id: object, role_ids: list[object], permissions: list[Permission]
) -> CompanyAccessEntry:
    return CompanyAccessEntry(
        company_id=strawberry.ID(str(company_id)),
        role_ids=[strawberry.ID(str(r)) for r in role_ids],
        permissions=[PermissionType.of(p) for p in permissions],
    )


@strawberry.type
class AccessQueries:
    @strawberry.field(**guarded("role:read", "Every role of your tenant, built-in ones first."))
    async def roles(self, info: strawberry.Info) -> list[RoleType]:
        roles = await roles_of_tenant(info.context.tenant_engine)
        return [RoleType.of(r) for r in sorted(roles, key=lambda r: (not r.builtin, r.name))]

    @strawberry.field(
        **guarded("user:read", "The users of your tenant with their roles and access.")
    )
    async def users(self, info: strawberry.Info) -> list[UserAccount]:
        context = info.context
        accounts = await tenant_accounts(
            context.tenant_engine, context.tenant_id, context.services.cipher
        )
        access = await company_access_of(context.tenant_engine, [a["id"] for a in accounts])
        return [
            UserAccount(
                id=strawberry.ID(str(a["id"])),
                email=a["email"],
                full_name=a["full_name"],
                is_active=a["is_active"],
                invitation_pending=a["invitation_pending"],
                role_ids=[strawberry.ID(str(r)) for r in a["role_ids"]],
                company_access=[
                    _entry(c.company_id, list(c.role_ids), list(c.permissions))
                    for c in access.get(a["id"], [])
                ],
            )
            for a in accounts
        ]

    @strawberry.field(**guarded("profile:read", "Your own effective permissions."))
    def my_access(self, info: strawberry.Info) -> MyAccess:
        grants = info.context.grants
        return MyAccess(
            all_companies=grants.all_companies,
            tenant_permissions=[PermissionType.of(p) for p in grants.effective()],
            companies=[_entry(c, [], list(ps)) for c, ps in grants.companies.items()],
        )

    @strawberry.field(description="Every resource and its actions a permission may name.")
    def permission_catalog(self) -> list[PermissionType]:
        return [
            PermissionType(resource=r, action=a, conditions=[])
            for r, actions in sorted(CATALOG.items())
            for a in sorted(actions)
        ]
