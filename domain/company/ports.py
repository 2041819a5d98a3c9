from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from domain.accounting.ports import AccountRepository
from domain.company.model import Company
from domain.identity.access import Permission
from domain.identity.plans import LimitCounter
from domain.shared.unit_of_work import UnitOfWork


class CompanyRepository(Protocol):
    async def add(self, company: Company) -> None: ...

    async def get_for_update(self, company_id: uuid.UUID) -> Company | None:
        """Load and lock the row for the rest of the transaction."""

    async def save(self, company: Company, *, previous_version: int) -> None:
        """Persist; raises Conflict if the stored version is no longer `previous_version`."""


class CompanyAccessWriter(Protocol):
    async def set_company_access(
        self,
        user_id: uuid.UUID,
        company_id: uuid.UUID,
        role_ids: Sequence[uuid.UUID],
        permissions: Sequence[Permission],
        by: uuid.UUID,
    ) -> None: ...


class CompanyUnitOfWork(UnitOfWork, Protocol):
    @property
    def companies(self) -> CompanyRepository: ...

    @property
    def access(self) -> CompanyAccessWriter: ...

    @property
    def limits(self) -> LimitCounter: ...

    @property
    def accounts(self) -> AccountRepository: ...
