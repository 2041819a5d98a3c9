"""Managing who may do what: roles, assignments, company access, invitations.

Nobody grants what they do not hold, where they do not hold it (the one rule, in
domain/identity/delegation.py), nobody changes their own access, and the owner role is handed
on only by an owner. Every change is one transaction with its event.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import replace
from datetime import timedelta

from domain.identity.access import (
    AccessGrants,
    CompanyAccess,
    Forbidden,
    Role,
    validate_permissions,
)
from domain.identity.access_ports import AccessUnitOfWork
from domain.identity.builtin_roles import OWNER
from domain.identity.commands import (
    AssignRole,
    CreateRole,
    DeactivateUser,
    GrantCompanyAccess,
    InviteUser,
    UpdateRole,
)
from domain.identity.delegation import (
    NOTHING,
    Grant,
    Held,
    check_grant,
    check_role_edit,
    check_role_removal,
    check_role_shape,
    roles_carrying,
)
from domain.identity.model import RefreshToken
from domain.identity.plans import TenantLimits, enforce_limit
from domain.shared.clock import utcnow
from domain.shared.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    NotFound,
    ValidationErrors,
)
from domain.shared.events import EventOrigin, RecordedEvent

INVITATION_TTL = timedelta(days=7)
ROLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _.-]{1,99}$")


def _event(
    event_type: str, aggregate: str, aggregate_id: uuid.UUID, **payload: object
) -> RecordedEvent:
    return RecordedEvent(event_type, aggregate, aggregate_id, dict(payload), utcnow())


def _role_payload(role: Role) -> dict[str, object]:
    return {
        "name": role.name,
        "permissions": [p.to_json() for p in role.permissions],
        "inherits": [str(i) for i in role.inherits],
        "version": role.version,
    }


async def create_role(
    cmd: CreateRole, uow: AccessUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Role:
    grants.check("role", "create")
    errors = ValidationErrors()
    if not ROLE_NAME.match(cmd.name.strip()):
        errors.add("name", "Name: 2-100 characters, starting with a letter.")
    errors.raise_if_any()
    validate_permissions(cmd.permissions, "permissions")
    role = Role(
        id=uuid.uuid4(),
        name=cmd.name.strip(),
        description=cmd.description.strip(),
        permissions=cmd.permissions,
        inherits=tuple(dict.fromkeys(cmd.inherits)),
    )
    async with uow:
        graph = await uow.access.graph()
        missing = [str(i) for i in role.inherits if i not in graph.roles]
        if missing:
            raise DomainError.single(ErrorCode.NOT_FOUND, f"No role {missing[0]}.", "inherits")
        if await uow.access.name_taken(role.name):
            raise DomainError.single(ErrorCode.DUPLICATE, f"A role '{role.name}' exists.", "name")
        check_role_shape(grants, graph, role)
        await uow.access.add_role(role)
        uow.record([_event("RoleCreated", "Role", role.id, **_role_payload(role))])
        await uow.commit()
    return role


async def update_role(
    cmd: UpdateRole, uow: AccessUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Role:
    grants.check("role", "update")
    if cmd.permissions is not None:
        validate_permissions(cmd.permissions, "permissions")
    async with uow:
        await uow.access.lock_access_rules(to_reshape=True)  # the holders stay who they are
        current = await uow.access.role_for_update(cmd.role_id)
        if current is None:
            raise NotFound("Role")
        if current.builtin:
            raise Forbidden(f"'{current.name}' is built in and cannot be changed; inherit it.")
        if current.version != cmd.expected_version:
            raise Conflict(f"Role is at version {current.version}; reload it and try again.")
        name = cmd.name.strip() if cmd.name is not None else current.name
        if not ROLE_NAME.match(name):
            raise DomainError.single(ErrorCode.INVALID, "Name: 2-100 characters.", "name")
        if name != current.name and await uow.access.name_taken(name, except_id=current.id):
            raise DomainError.single(ErrorCode.DUPLICATE, f"A role '{name}' exists.", "name")
        graph = await uow.access.graph()
        inherits = (
            tuple(dict.fromkeys(cmd.inherits)) if cmd.inherits is not None else current.inherits
        )
        missing = [str(i) for i in inherits if i not in graph.roles]
        if missing:
            raise DomainError.single(ErrorCode.NOT_FOUND, f"No role {missing[0]}.", "inherits")
        cycle = graph.cycle_through(current.id, inherits)
        if cycle:
            raise DomainError.single(
                ErrorCode.INVALID, "Inheritance would loop: " + " → ".join(cycle) + ".", "inherits"
            )
        role = replace(
            current,
            name=name,
            description=cmd.description.strip()
            if cmd.description is not None
            else current.description,
            permissions=cmd.permissions if cmd.permissions is not None else current.permissions,
            inherits=inherits,
            version=current.version + 1,
        )
        holders = await uow.access.holders(roles_carrying(graph, role.id))
        check_role_edit(grants, graph, role, holders)
        await uow.access.save_role(role)
        uow.record([_event("RoleUpdated", "Role", role.id, **_role_payload(role))])
        await uow.commit()
    return role


async def _held(uow: AccessUnitOfWork, user_id: uuid.UUID) -> Held:
    """The user's access as it stands, which a grant adds to (see delegation, rule 6)."""
    return Held(
        tuple(await uow.access.user_role_ids(user_id)),
        tuple(await uow.access.user_company_access(user_id)),
    )


def _not_self(origin: EventOrigin, user_id: uuid.UUID) -> None:
    if origin.user_id == user_id:
        raise Forbidden("You cannot change your own access; ask another administrator.")


async def assign_role(
    cmd: AssignRole, uow: AccessUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> None:
    grants.check("role", "assign")
    _not_self(origin, cmd.user_id)
    async with uow:
        await uow.access.lock_access_rules(to_reshape=False)  # roles keep their shape
        user = await uow.users.get(cmd.user_id)
        if user is None:
            raise NotFound("User", "userId")
        graph = await uow.access.graph()
        role = graph.roles.get(cmd.role_id)
        if role is None:
            raise NotFound("Role", "roleId")
        if cmd.assign:
            held = await _held(uow, user.id)
            check_grant(grants, graph, Grant(role_ids=(role.id,)), grantee=user.id, held=held)
        else:
            check_role_removal(grants, graph, role.id)
        if cmd.assign:
            await uow.access.assign(user.id, role.id, by=origin.user_id)
        else:
            await uow.access.unassign(user.id, role.id)
        uow.record([_event("RoleAssigned" if cmd.assign else "RoleUnassigned", "User", user.id,
                           roleId=str(role.id), roleName=role.name)])  # fmt: skip
        await uow.commit()


async def grant_company_access(
    cmd: GrantCompanyAccess, uow: AccessUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> None:
    grants.check("role", "assign")
    _not_self(origin, cmd.user_id)
    access = cmd.access
    validate_permissions(access.permissions, "permissions")
    if not grants.can_enter(access.company_id):  # a company the granter cannot see is none
        raise NotFound("Company", "companyId")
    async with uow:
        await uow.access.lock_access_rules(to_reshape=False)  # roles keep their shape
        if await uow.users.get(cmd.user_id) is None:
            raise NotFound("User", "userId")
        if not await uow.users.company_exists(access.company_id):
            raise NotFound("Company", "companyId")
        if cmd.revoke:
            await uow.access.revoke_company_access(cmd.user_id, access.company_id)
        else:
            graph = await uow.access.graph()
            held = await _held(uow, cmd.user_id)
            grant = Grant(company_access=(access,))
            check_grant(grants, graph, grant, grantee=cmd.user_id, held=held)
            await uow.access.set_company_access(
                cmd.user_id, access.company_id, access.role_ids, access.permissions,
                by=origin.user_id,
            )  # fmt: skip
        uow.record([_event("CompanyAccessRevoked" if cmd.revoke else "CompanyAccessGranted",
                           "User", cmd.user_id, companyId=str(access.company_id))])  # fmt: skip
        await uow.commit()


async def invite_user(
    cmd: InviteUser,
    uow: AccessUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    limits: TenantLimits | None = None,
) -> tuple[uuid.UUID, str]:
    """Returns the new user's id and the invitation token (shown once; only its hash is kept)."""
    grants.check("user", "invite")
    email = cmd.email.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise DomainError.single(ErrorCode.INVALID, "Not an email address.", "email")
    token = secrets.token_urlsafe(32)
    user_id = uuid.uuid4()
    async with uow:
        await uow.access.lock_access_rules(to_reshape=False)  # roles keep their shape
        if await uow.users.email_taken(email):
            raise DomainError.single(ErrorCode.DUPLICATE, f"{email} is already a user.", "email")
        if limits is not None:
            await enforce_limit(uow.limits, limits, "maxUsers")  # locks until commit
        graph = await uow.access.graph()
        grant = Grant(
            role_ids=cmd.role_ids,
            company_access=cmd.company_access,
            access_path="companyAccess.{index}.",
        )
        check_grant(grants, graph, grant, grantee=user_id, held=NOTHING)
        for index, access in enumerate(cmd.company_access):
            if not await uow.users.company_exists(access.company_id):
                raise NotFound("Company", f"companyAccess.{index}.companyId")
        await uow.users.invite(
            user_id, email, cmd.full_name, RefreshToken.hash_secret(token),
            utcnow() + INVITATION_TTL, by=origin.user_id,
        )  # fmt: skip
        for role_id in cmd.role_ids:
            await uow.access.assign(user_id, role_id, by=origin.user_id)
        for access in cmd.company_access:
            await uow.access.set_company_access(
                user_id, access.company_id, access.role_ids, access.permissions, by=origin.user_id
            )
        uow.record([_event("UserInvited", "User", user_id, email=email)])
        await uow.commit()
    return user_id, token


async def deactivate_user(
    cmd: DeactivateUser, uow: AccessUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> None:
    grants.check("user", "deactivate")
    _not_self(origin, cmd.user_id)
    async with uow:
        user = await uow.users.get(cmd.user_id)
        if user is None:
            raise NotFound("User", "userId")
        target_roles = await uow.access.user_role_ids(user.id)
        graph = await uow.access.graph()
        if graph.reaches(target_roles, OWNER.id) and OWNER.id not in grants.role_ids:
            raise Forbidden("Only an owner can deactivate an owner.")
        await uow.users.deactivate(user.id, utcnow())
        uow.record([_event("UserDeactivated", "User", user.id, email=user.email)])
        await uow.commit()


__all__ = [
    "CompanyAccess",
    "assign_role",
    "create_role",
    "deactivate_user",
    "grant_company_access",
    "invite_user",
    "update_role",
]
