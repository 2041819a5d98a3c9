from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.identity.access import CompanyAccess, Permission


@dataclass(frozen=True)
class CreateRole:
    name: str
    description: str
    permissions: tuple[Permission, ...]
    inherits: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class UpdateRole:
    role_id: uuid.UUID
    expected_version: int
    name: str | None = None
    description: str | None = None
    permissions: tuple[Permission, ...] | None = None
    inherits: tuple[uuid.UUID, ...] | None = None


@dataclass(frozen=True)
class AssignRole:
    user_id: uuid.UUID
    role_id: uuid.UUID
    assign: bool = True  # False: take the role away


@dataclass(frozen=True)
class GrantCompanyAccess:
    user_id: uuid.UUID
    access: CompanyAccess
    revoke: bool = False


@dataclass(frozen=True)
class InviteUser:
    email: str
    full_name: str | None
    role_ids: tuple[uuid.UUID, ...]
    company_access: tuple[CompanyAccess, ...] = ()


@dataclass(frozen=True)
class DeactivateUser:
    user_id: uuid.UUID
