"""The typed set of dataloaders one operation uses: one `XByYLoader` per entity and key."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from resolvers.company.dataloaders import CompanyByIdLoader


@dataclass(frozen=True)
class DataLoaders:
    company_by_id: CompanyByIdLoader

    @classmethod
    def build(cls, tenant_engine: AsyncEngine) -> DataLoaders:
        return cls(company_by_id=CompanyByIdLoader(tenant_engine))
