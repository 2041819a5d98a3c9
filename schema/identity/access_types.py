"""Roles, permissions and company access as GraphQL types."""

from __future__ import annotations

from decimal import Decimal
from typing import Self

import strawberry

from domain.identity.access import Condition, ConditionKind, Permission, Role
from schema.errors import UserError
from schema.limits import bounded_list
from schema.scalars import Money

strawberry.enum(ConditionKind, name="ConditionKind", description="What a condition limits.")


@strawberry.type(name="Condition")
class ConditionType:
    kind: ConditionKind
    value: Money | None = strawberry.field(description="For AMOUNT_AT_MOST: the largest amount.")


@strawberry.type(name="Permission", description="`resource:action`, maybe with conditions.")
class PermissionType:
    resource: str
    action: str
    conditions: list[ConditionType] = bounded_list(4)

    @classmethod
    def of(cls, p: Permission) -> Self:
        return cls(
            resource=p.resource,
            action=p.action,
            conditions=[
                ConditionType(kind=c.kind, value=Money(c.value) if c.value is not None else None)
                for c in p.conditions
            ],
        )


@strawberry.input
class ConditionInput:
    kind: ConditionKind
    value: Money | None = None


@strawberry.input
class PermissionInput:
    resource: str = strawberry.field(description="e.g. company, journal, or * for all")
    action: str = strawberry.field(description="e.g. read, create, post, or * for all")
    conditions: list[ConditionInput] = strawberry.field(default_factory=list)

    def to_domain(self) -> Permission:
        return Permission(
            self.resource.strip(),
            self.action.strip(),
            tuple(
                Condition(c.kind, Decimal(c.value) if c.value is not None else None)
                for c in self.conditions
            ),
        )


@strawberry.federation.type(keys=["id"], name="Role")
class RoleType:
    id: strawberry.ID
    name: str
    description: str
    builtin: bool
    all_companies: bool = strawberry.field(description="Holders may enter every company.")
    permissions: list[PermissionType] = bounded_list(60)
    inherits: list[strawberry.ID] = bounded_list(20)
    version: int = 1

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Self | None:
        """Federation `_entities`: roles of the caller's own tenant, for those who may read them."""
        context = info.context
        if context.principal is None or not context.grants.allows("role", "read"):
            return None
        role = await context.loaders.role_by_id.load(str(id))
        return cls.of(role) if role is not None else None

    @classmethod
    def of(cls, role: Role) -> Self:
        return cls(
            id=strawberry.ID(str(role.id)),
            name=role.name,
            description=role.description,
            builtin=role.builtin,
            all_companies=role.all_companies,
            permissions=[PermissionType.of(p) for p in role.permissions],
            inherits=[strawberry.ID(str(i)) for i in role.inherits],
            version=role.version,
        )


@strawberry.type
class CompanyAccessEntry:
    company_id: strawberry.ID
    role_ids: list[strawberry.ID] = bounded_list(20)
    permissions: list[PermissionType] = bounded_list(60)


@strawberry.type(description="A user of your tenant, with what they were given.")
class UserAccount:
    id: strawberry.ID
    email: str
    full_name: str | None
    is_active: bool
    invitation_pending: bool
    role_ids: list[strawberry.ID] = bounded_list(20)
    company_access: list[CompanyAccessEntry] = bounded_list(50)


@strawberry.type(description="What you may do: the permissions your roles resolve to.")
class MyAccess:
    all_companies: bool
    tenant_permissions: list[PermissionType]
    companies: list[CompanyAccessEntry]


@strawberry.input
class CreateRoleInput:
    name: str
    description: str = ""
    permissions: list[PermissionInput] = strawberry.field(default_factory=list)
    inherits: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateRoleInput:
    id: strawberry.ID
    version: int
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    permissions: list[PermissionInput] | None = strawberry.UNSET
    inherits: list[strawberry.ID] | None = strawberry.UNSET


@strawberry.input
class CompanyAccessInput:
    company_id: strawberry.ID
    role_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    permissions: list[PermissionInput] = strawberry.field(default_factory=list)


@strawberry.input
class GrantCompanyAccessInput:
    user_id: strawberry.ID
    company_id: strawberry.ID
    role_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    permissions: list[PermissionInput] = strawberry.field(default_factory=list)
    revoke: bool = strawberry.field(default=False, description="Take the access away instead.")


@strawberry.input
class InviteUserInput:
    email: str
    full_name: str | None = None
    role_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    company_access: list[CompanyAccessInput] = strawberry.field(default_factory=list)


@strawberry.type
class RoleError(UserError):
    pass


@strawberry.type
class AccessError(UserError):
    pass


@strawberry.type
class RolePayload:
    role: RoleType | None
    errors: list[RoleError]


@strawberry.type
class AccessPayload:
    ok: bool
    errors: list[AccessError]


@strawberry.type
class InviteUserPayload:
    user_id: strawberry.ID | None
    invitation_token: str | None = strawberry.field(
        description="Give it to the invitee (shown once): acceptInvitation sets their password."
    )
    errors: list[AccessError]
