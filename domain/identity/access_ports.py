from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.identity.access import CompanyAccess, Permission, Role, RoleGraph
from domain.identity.delegation import Held
from domain.identity.plans import LimitCounter
from domain.shared.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class TenantUser:
    id: uuid.UUID
    email: str
    is_active: bool


class AccessRepository(Protocol):
    async def graph(self) -> RoleGraph: ...
    async def role_for_update(self, role_id: uuid.UUID) -> Role | None: ...
    async def name_taken(self, name: str, except_id: uuid.UUID | None = None) -> bool: ...
    async def add_role(self, role: Role) -> None: ...
    async def save_role(self, role: Role) -> None: ...
    async def user_role_ids(self, user_id: uuid.UUID) -> list[uuid.UUID]: ...
    async def user_company_access(self, user_id: uuid.UUID) -> list[CompanyAccess]: ...
    async def holders(self, role_ids: Sequence[uuid.UUID]) -> list[tuple[uuid.UUID, Held]]: ...
    async def assign(self, user_id: uuid.UUID, role_id: uuid.UUID, by: uuid.UUID) -> None: ...
    async def unassign(self, user_id: uuid.UUID, role_id: uuid.UUID) -> None: ...
    async def set_company_access(
        self,
        user_id: uuid.UUID,
        company_id: uuid.UUID,
        role_ids: Sequence[uuid.UUID],
        permissions: Sequence[Permission],
        by: uuid.UUID,
    ) -> None: ...
    async def revoke_company_access(self, user_id: uuid.UUID, company_id: uuid.UUID) -> None: ...


class TenantUsers(Protocol):
    """Users of the command's tenant (stored in the shared schema)."""

    async def get(self, user_id: uuid.UUID) -> TenantUser | None: ...
    async def email_taken(self, email: str) -> bool: ...
    async def count_active(self) -> int: ...
    async def invite(
        self,
        user_id: uuid.UUID,
        email: str,
        full_name: str | None,
        invitation_hash: bytes,
        expires_at: datetime,
        by: uuid.UUID,
    ) -> None: ...
    async def deactivate(self, user_id: uuid.UUID, now: datetime) -> None: ...
    async def company_exists(self, company_id: uuid.UUID) -> bool: ...


class AccessUnitOfWork(UnitOfWork, Protocol):
    @property
    def access(self) -> AccessRepository: ...

    @property
    def users(self) -> TenantUsers: ...

    @property
    def limits(self) -> LimitCounter: ...
