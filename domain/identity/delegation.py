"""The one delegation rule: nobody grants what they do not hold, where they do not hold it.

Every command that hands rights to someone asks here first: assignRole, grantCompanyAccess and
inviteUser (one `Grant` to one user), createRole/updateRole (a role's shape is what each of its
holders gets) and createApiKey (a key carries permissions of its creator). The operator's CLI
(`tenant create`, `user create`) stands outside: it acts with the database's own authority,
before any granter exists.

What is checked, in this order:
1. every role named exists in the tenant (else NOT_FOUND on the field that named it);
2. only an owner hands on the owner role — tenant-wide, inside one company, or by inheritance;
3. a tenant-wide role reaching every company comes only from someone who reaches every company;
4. a tenant-wide role's permissions (with everything it inherits) are held tenant-wide by the
   granter: company-limited power does not count, since the role goes wherever its holder goes;
5. company access is given only in a company the granter may enter, with permissions the granter
   holds in that company;
6. where: in every company the grantee may enter afterwards, what they can do there that they
   could not before is held by the granter in that company. This catches what the per-part
   checks cannot see alone: letting someone into a company carries their tenant-wide roles in
   with them, and a tenant-wide role reaches the companies they were already let into.

Editing a role (updateRole) is a grant to everyone who already holds it — tenant-wide, as a
company role, or through a role inheriting it: rule 6 is applied to each of them, comparing what
they could do with the role as it was and as it will be. And only someone who could hand out
the role as it is may change it at all (rules 2-4 on the old shape too), so nobody rewrites or
strips a role carrying more than they hold.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.identity.access import (
    TENANT_LEVEL_ACTIONS,
    TENANT_RESOURCES,
    AccessGrants,
    CompanyAccess,
    Forbidden,
    Permission,
    Role,
    RoleGraph,
    validate_permissions,
)
from domain.identity.builtin_roles import OWNER
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class Held:
    """What a user holds now: their tenant-wide roles and their company access entries."""

    role_ids: tuple[uuid.UUID, ...] = ()
    company_access: tuple[CompanyAccess, ...] = ()


NOTHING = Held()  # a user who does not exist yet (an invitation)


@dataclass(frozen=True)
class Grant:
    """What one command hands to one user: tenant-wide roles added, company entries set.

    Errors name the input fields: `roleIds` for tenant-wide roles, and `access_path` +
    `roleIds`/`permissions` for an entry (`{index}` in it becomes the entry's position, for
    inviteUser's list)."""

    role_ids: tuple[uuid.UUID, ...] = ()
    company_access: tuple[CompanyAccess, ...] = ()
    access_path: str = ""


def require_known_roles(graph: RoleGraph, role_ids: Iterable[uuid.UUID], field: str) -> None:
    """A role id that is not one of the tenant's roles is a typed error, never stored."""
    for role_id in role_ids:
        if role_id not in graph.roles:
            raise NotFound(f"Role {role_id}", field)


def check_role_handout(
    grants: AccessGrants, graph: RoleGraph, role_ids: Sequence[uuid.UUID]
) -> None:
    """Rules 2-4 for tenant-wide roles (and for shaping a role: its holders get all of it)."""
    if graph.reaches(role_ids, OWNER.id) and OWNER.id not in grants.role_ids:
        raise Forbidden("Only an owner can hand on the owner role, even by inheritance.")
    if graph.reaches_all_companies(role_ids) and not grants.all_companies:
        raise Forbidden("A role reaching every company can only come from someone who does.")
    if not grants.holds_all(graph.permissions(role_ids), tenant_wide=True):
        raise Forbidden("A role cannot carry permissions you do not hold yourself tenant-wide.")


def check_role_shape(grants: AccessGrants, graph: RoleGraph, role: Role) -> None:
    """Creating or editing a role is limited to what the editor could hand out."""
    check_role_handout(grants, RoleGraph([*graph.roles.values(), role]), [role.id])


def roles_carrying(graph: RoleGraph, role_id: uuid.UUID) -> list[uuid.UUID]:
    """The role and every role inheriting it: whoever holds one of these holds the role."""
    return [other for other in graph.roles if graph.reaches([other], role_id)]


def check_role_edit(
    grants: AccessGrants,
    graph: RoleGraph,
    role: Role,
    holders: Iterable[tuple[uuid.UUID, Held]],
) -> None:
    """Raises a typed error unless `grants` may reshape a role into `role`. `graph` is the
    tenant's roles as they are; `holders` everyone holding a role of `roles_carrying` it (an
    edit reaches them all at once, wherever they may enter)."""
    current = graph.roles[role.id]
    try:
        check_role_handout(grants, graph, [current.id])
    except Forbidden:
        raise Forbidden("You can only change a role whose rights you hold yourself.") from None
    check_role_shape(grants, graph, role)
    edited = RoleGraph([*graph.roles.values(), role])
    for holder, held in holders:
        before = AccessGrants.resolve(holder, graph, held.role_ids, held.company_access)
        after = AccessGrants.resolve(holder, edited, held.role_ids, held.company_access)
        _check_gains(grants, before, after)


def check_role_removal(grants: AccessGrants, graph: RoleGraph, role_id: uuid.UUID) -> None:
    if graph.reaches([role_id], OWNER.id) and OWNER.id not in grants.role_ids:
        raise Forbidden("Only an owner can take the owner role away.")


def _check_company_entry(
    grants: AccessGrants, graph: RoleGraph, access: CompanyAccess, path: str
) -> None:
    """Rules 1, 2 and 5 for one company entry."""
    if not grants.can_enter(access.company_id):  # a company the granter cannot see is none
        raise NotFound("Company", f"{path}companyId")
    validate_permissions(access.permissions, f"{path}permissions")
    require_known_roles(graph, access.role_ids, f"{path}roleIds")
    if graph.reaches(access.role_ids, OWNER.id) and OWNER.id not in grants.role_ids:
        raise Forbidden("Only an owner can hand on the owner role, even for one company.")
    wanted = _inside_a_company([*graph.permissions(access.role_ids), *access.permissions])
    if not grants.holds_all(wanted, access.company_id):
        raise Forbidden("You cannot grant permissions you do not hold in that company.")


def _inside_a_company(permissions: Iterable[Permission]) -> list[Permission]:
    """Those that act inside a company. Tenant resources (users, roles, keys, ...) and creating
    companies are judged on tenant-wide permissions only, so in a company entry they are inert:
    neither granted there nor needed to grant there (a viewer role carries profile:read)."""
    return [
        p
        for p in permissions
        if p.resource not in TENANT_RESOURCES and (p.resource, p.action) not in TENANT_LEVEL_ACTIONS
    ]


def _gained(before: Iterable[Permission], after: Iterable[Permission]) -> list[Permission]:
    """The permissions of `after` that nothing in `before` already gave."""
    had = tuple(before)
    return [p for p in after if not any(mine.includes(p) for mine in had)]


def _check_where(
    grants: AccessGrants, graph: RoleGraph, grantee: uuid.UUID, held: Held, grant: Grant
) -> None:
    """Rule 6 for one grant: the grantee's rights after it against the granter's."""
    entries = {a.company_id: a for a in held.company_access}
    entries.update({a.company_id: a for a in grant.company_access})
    before = AccessGrants.resolve(grantee, graph, held.role_ids, held.company_access)
    after = AccessGrants.resolve(
        grantee, graph, (*held.role_ids, *grant.role_ids), entries.values()
    )
    _check_gains(grants, before, after)


def _check_gains(grants: AccessGrants, before: AccessGrants, after: AccessGrants) -> None:
    """Rule 6: one user's rights, company by company, before and after; whatever is new in a
    company must be held there by the granter."""
    if after.all_companies:  # their tenant-wide permissions apply in every company
        gained = _gained(before.tenant_permissions, after.tenant_permissions)
        if gained and not grants.all_companies:
            raise Forbidden(
                "This user enters every company: only someone who does can add to their rights."
            )
        return
    for company_id in after.companies:
        gained = _gained(
            before.in_company(company_id), _inside_a_company(after.in_company(company_id))
        )
        if gained and not (grants.can_enter(company_id) and grants.holds_all(gained, company_id)):
            names = ", ".join(sorted({p.name for p in gained}))
            raise Forbidden(
                f"This would give the user {names} in a company where you do not hold it."
            )


def check_grant(
    grants: AccessGrants, graph: RoleGraph, grant: Grant, *, grantee: uuid.UUID, held: Held
) -> None:
    """Raises a typed error unless `grants` may hand `grant` to the user who holds `held`."""
    require_known_roles(graph, grant.role_ids, "roleIds")
    if grant.role_ids:
        check_role_handout(grants, graph, grant.role_ids)
    for index, access in enumerate(grant.company_access):
        _check_company_entry(grants, graph, access, grant.access_path.format(index=index))
    _check_where(grants, graph, grantee, held, grant)


def check_key_permissions(grants: AccessGrants, permissions: Iterable[Permission]) -> None:
    """An API key carries only permissions its creator holds. Where it may use them is settled
    at each call (domain/identity/api_keys.restrict: as far as the creator holds them then)."""
    if not grants.holds_all(permissions):
        raise Forbidden("An API key cannot carry permissions you do not hold yourself.")
