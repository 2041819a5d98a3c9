"""Role-based access, as the spec draws it: Permission{resource, action, conditions},
Role{permissions, inherits}, User{roles, companyAccess[{companyId, roles, permissions}]}.

Scope rule: a user's tenant-wide roles apply to tenant resources (users, roles, keys, audit)
and, for company data, in every company the user may enter — all of them if a role says so
(owner, admin), otherwise exactly the companies listed in their company access. In such a
company the roles and permissions of that access entry add to the tenant-wide ones. A user with
access to company A therefore gets nothing of company B.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from domain.shared.errors import DomainError, ErrorCode, FieldError


class ConditionKind(StrEnum):
    OWN_RECORDS = "OWN_RECORDS"  # the record was created by the user
    AMOUNT_AT_MOST = "AMOUNT_AT_MOST"  # the record's amount is at most `value`


@dataclass(frozen=True)
class Condition:
    kind: ConditionKind
    value: Decimal | None = None

    def holds(self, facts: RecordFacts | None, user_id: uuid.UUID) -> bool:
        if facts is None:  # nothing known about the record: a condition cannot be proven
            return False
        if self.kind is ConditionKind.OWN_RECORDS:
            return facts.owner_id == user_id
        return facts.amount is not None and self.value is not None and facts.amount <= self.value

    def describe(self) -> str:
        if self.kind is ConditionKind.OWN_RECORDS:
            return "only records you created"
        return f"amounts up to {self.value}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value}
        if self.value is not None:
            out["value"] = format(self.value, "f")
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Condition:
        value = data.get("value")
        return cls(ConditionKind(data["kind"]), Decimal(value) if value is not None else None)


@dataclass(frozen=True)
class RecordFacts:
    """What a condition may look at: who created the record, and its amount."""

    owner_id: uuid.UUID | None = None
    amount: Decimal | None = None


@dataclass(frozen=True)
class Permission:
    resource: str  # "company", "journal", ... or "*"
    action: str  # "read", "create", "update", ... or "*"
    conditions: tuple[Condition, ...] = ()

    @classmethod
    def of(cls, spec: str, *conditions: Condition) -> Permission:
        resource, _, action = spec.partition(":")
        return cls(resource, action or "*", conditions)

    def covers(self, resource: str, action: str) -> bool:
        return self.resource in ("*", resource) and self.action in ("*", action)

    def includes(self, other: Permission) -> bool:
        """Does holding self imply holding `other`? (for 'no granting what you lack')"""
        return self.covers(other.resource, other.action) and (
            not self.conditions or set(self.conditions) <= set(other.conditions)
        )

    @property
    def name(self) -> str:
        return f"{self.resource}:{self.action}"

    def to_json(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "action": self.action,
            "conditions": [c.to_json() for c in self.conditions],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Permission:
        return cls(
            data["resource"],
            data["action"],
            tuple(Condition.from_json(c) for c in data.get("conditions") or ()),
        )


# The resources and actions a permission may name. Company-scoped resources hold data of one
# company; the others belong to the tenant as a whole.
COMPANY_RESOURCES: Mapping[str, frozenset[str]] = {
    "company": frozenset({"read", "create", "update", "delete"}),
    "account": frozenset({"read", "create", "update"}),
    "journal": frozenset({"read", "create", "post", "reverse"}),
    "period": frozenset({"read", "create", "close", "reopen", "lock"}),
    "report": frozenset({"read", "export"}),
    "product": frozenset({"read", "create", "update"}),
    "warehouse": frozenset({"read", "create", "update"}),
    "stock": frozenset({"read", "adjust", "transfer"}),
    "customer": frozenset({"read", "create", "update"}),
    "supplier": frozenset({"read", "create", "update"}),
    "invoice": frozenset({"read", "create", "post", "void"}),
    "payment": frozenset({"read", "create"}),
    "purchase": frozenset({"read", "create", "approve"}),
    "import": frozenset({"read", "run"}),
}
TENANT_RESOURCES: Mapping[str, frozenset[str]] = {
    "tenant": frozenset({"read", "update"}),
    "user": frozenset({"read", "invite", "update", "deactivate"}),
    "role": frozenset({"read", "create", "update", "assign"}),
    "apikey": frozenset({"read", "create", "revoke"}),
    "audit": frozenset({"read", "verify"}),
    "events": frozenset({"read"}),
    "profile": frozenset({"read"}),
    "webhook": frozenset({"read", "manage"}),
    "connector": frozenset({"read", "manage", "run"}),
}
CATALOG: Mapping[str, frozenset[str]] = {**COMPANY_RESOURCES, **TENANT_RESOURCES}

# Actions on company resources that are not inside any one company.
TENANT_LEVEL_ACTIONS = frozenset({("company", "create")})


def validate_permissions(permissions: Iterable[Permission], field_name: str) -> None:
    errors: list[FieldError] = []
    for index, p in enumerate(permissions):
        where = f"{field_name}.{index}"
        if p.resource != "*" and p.resource not in CATALOG:
            errors.append(FieldError(ErrorCode.INVALID, f"Unknown resource '{p.resource}'.", where))
        elif p.action != "*" and p.resource != "*" and p.action not in CATALOG[p.resource]:
            errors.append(
                FieldError(ErrorCode.INVALID, f"'{p.resource}' has no action '{p.action}'.", where)
            )
        for c in p.conditions:
            if c.kind is ConditionKind.AMOUNT_AT_MOST and (c.value is None or c.value < 0):
                errors.append(
                    FieldError(ErrorCode.INVALID, "AMOUNT_AT_MOST needs a value >= 0.", where)
                )
    if errors:
        raise DomainError(errors)


def parse_amount(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise DomainError.single(ErrorCode.INVALID, f"'{text}' is not an amount.") from None


@dataclass(frozen=True)
class Role:
    id: uuid.UUID
    name: str
    permissions: tuple[Permission, ...]
    inherits: tuple[uuid.UUID, ...] = ()
    description: str = ""
    builtin: bool = False
    all_companies: bool = False  # holders may enter every company of the tenant
    version: int = 1


class RoleGraph:
    """All roles of a tenant; resolves inheritance and refuses cycles."""

    def __init__(self, roles: Iterable[Role]) -> None:
        self.roles: dict[uuid.UUID, Role] = {r.id: r for r in roles}

    def closure(self, role_ids: Iterable[uuid.UUID]) -> list[Role]:
        """The roles and everything they inherit, each once (cycle-safe)."""
        seen: dict[uuid.UUID, Role] = {}
        stack = list(role_ids)
        while stack:
            role = self.roles.get(stack.pop())
            if role is None or role.id in seen:
                continue
            seen[role.id] = role
            stack.extend(role.inherits)
        return list(seen.values())

    def permissions(self, role_ids: Iterable[uuid.UUID]) -> tuple[Permission, ...]:
        return tuple(p for role in self.closure(role_ids) for p in role.permissions)

    def reaches_all_companies(self, role_ids: Iterable[uuid.UUID]) -> bool:
        """Would holding these roles open every company (directly or by inheritance)?"""
        return any(role.all_companies for role in self.closure(role_ids))

    def reaches(self, role_ids: Iterable[uuid.UUID], target: uuid.UUID) -> bool:
        return any(role.id == target for role in self.closure(role_ids))

    def cycle_through(self, role_id: uuid.UUID, inherits: Iterable[uuid.UUID]) -> list[str] | None:
        """If role_id inherited `inherits`, would it reach itself? Returns the path's names."""
        path: list[uuid.UUID] = []

        def reaches(current: uuid.UUID, visiting: set[uuid.UUID]) -> bool:
            if current == role_id:
                return True
            if current in visiting:
                return False
            visiting.add(current)
            path.append(current)
            role = self.roles.get(current)
            if role and any(reaches(parent, visiting) for parent in role.inherits):
                return True
            path.pop()
            return False

        for parent in inherits:
            path.clear()
            if reaches(parent, set()):
                names = [self.roles[r].name if r in self.roles else str(r) for r in path]
                own = self.roles[role_id].name if role_id in self.roles else "this role"
                return [own, *names, own]
        return None


@dataclass(frozen=True)
class CompanyAccess:
    company_id: uuid.UUID
    role_ids: tuple[uuid.UUID, ...] = ()
    permissions: tuple[Permission, ...] = ()


class Forbidden(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__([FieldError(ErrorCode.FORBIDDEN, message, None)])


@dataclass(frozen=True)
class AccessGrants:
    """What one user (or API key) may do in one tenant, resolved once per request."""

    user_id: uuid.UUID
    tenant_permissions: tuple[Permission, ...]
    all_companies: bool
    companies: Mapping[uuid.UUID, tuple[Permission, ...]] = field(default_factory=dict)
    role_ids: frozenset[uuid.UUID] = frozenset()  # tenant-wide roles, inherited ones included

    @classmethod
    def resolve(
        cls,
        user_id: uuid.UUID,
        graph: RoleGraph,
        role_ids: Iterable[uuid.UUID],
        access: Iterable[CompanyAccess],
    ) -> AccessGrants:
        roles = graph.closure(role_ids)
        tenant_permissions = tuple(p for r in roles for p in r.permissions)
        return cls(
            user_id=user_id,
            tenant_permissions=tenant_permissions,
            all_companies=any(r.all_companies for r in roles),
            role_ids=frozenset(r.id for r in roles),
            companies={
                a.company_id: (*graph.permissions(a.role_ids), *a.permissions) for a in access
            },
        )

    def _in_scope(
        self, resource: str, company_id: uuid.UUID | None, action: str = ""
    ) -> tuple[Permission, ...]:
        if resource in TENANT_RESOURCES or (resource, action) in TENANT_LEVEL_ACTIONS:
            return self.tenant_permissions
        if company_id is None:  # "in some company": anything the user holds anywhere
            extra = tuple(p for ps in self.companies.values() for p in ps)
            if self.all_companies or self.companies:
                return (*self.tenant_permissions, *extra)
            return ()
        if self.all_companies or company_id in self.companies:
            return (*self.tenant_permissions, *self.companies.get(company_id, ()))
        return ()

    def allows(self, resource: str, action: str, company_id: uuid.UUID | None = None) -> bool:
        """Holds the permission, perhaps with conditions still to be proven on the record."""
        return any(p.covers(resource, action) for p in self._in_scope(resource, company_id, action))

    def check(
        self,
        resource: str,
        action: str,
        *,
        company_id: uuid.UUID | None = None,
        facts: RecordFacts | None = None,
    ) -> None:
        matching = [
            p for p in self._in_scope(resource, company_id, action) if p.covers(resource, action)
        ]
        if not matching:
            where = " in this company" if company_id and resource in COMPANY_RESOURCES else ""
            raise Forbidden(f"You lack permission {resource}:{action}{where}.")
        if any(not p.conditions for p in matching):
            return
        if any(all(c.holds(facts, self.user_id) for c in p.conditions) for p in matching):
            return
        limits = "; ".join(c.describe() for p in matching for c in p.conditions)
        raise Forbidden(f"Permission {resource}:{action} is limited to {limits}.")

    def visible_companies(self) -> frozenset[uuid.UUID] | None:
        """Companies whose data the user may see; None means every company."""
        return None if self.all_companies else frozenset(self.companies)

    def can_enter(self, company_id: uuid.UUID) -> bool:
        return self.all_companies or company_id in self.companies

    def in_company(self, company_id: uuid.UUID) -> tuple[Permission, ...]:
        """Everything that applies inside one company (nothing where one may not enter)."""
        if not self.can_enter(company_id):
            return ()
        return (*self.tenant_permissions, *self.companies.get(company_id, ()))

    def holds_all(
        self,
        wanted: Iterable[Permission],
        company_id: uuid.UUID | None = None,
        *,
        tenant_wide: bool = False,
    ) -> bool:
        """For delegation: nobody grants a permission they do not hold themselves.

        `tenant_wide`: what is handed out applies tenant-wide (a role), so holding it in one
        company is not enough — it must be among the granter's tenant-wide permissions.
        """
        return all(
            any(
                mine.includes(p)
                for mine in (
                    self.tenant_permissions
                    if tenant_wide
                    else self._in_scope(p.resource, company_id, p.action)
                )
            )
            for p in wanted
        )

    def effective(self) -> list[Permission]:
        return list(dict.fromkeys(self.tenant_permissions))

    def to_json(self) -> dict[str, Any]:
        return {
            "user": str(self.user_id),
            "tenant": [p.to_json() for p in self.tenant_permissions],
            "all": self.all_companies,
            "roles": [str(r) for r in self.role_ids],
            "companies": {str(k): [p.to_json() for p in v] for k, v in self.companies.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AccessGrants:
        return cls(
            user_id=uuid.UUID(data["user"]),
            tenant_permissions=tuple(Permission.from_json(p) for p in data["tenant"]),
            all_companies=data["all"],
            role_ids=frozenset(uuid.UUID(r) for r in data.get("roles", ())),
            companies={
                uuid.UUID(k): tuple(Permission.from_json(p) for p in v)
                for k, v in data["companies"].items()
            },
        )
