"""The typed set of dataloaders one operation uses: one `XByYLoader` per entity and key."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from db.crypto import FieldCipher
from resolvers.access.dataloaders import RoleByIdLoader
from resolvers.company.dataloaders import CompanyByIdLoader


@dataclass(frozen=True)
class DataLoaders:
    company_by_id: CompanyByIdLoader
    role_by_id: RoleByIdLoader

    @classmethod
    def build(cls, tenant_engine: AsyncEngine, cipher: FieldCipher) -> DataLoaders:
        return cls(
            company_by_id=CompanyByIdLoader(tenant_engine, cipher),
            role_by_id=RoleByIdLoader(tenant_engine),
        )
