"""The typed set of dataloaders one operation uses: one `XByYLoader` per entity and key."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from db.crypto import FieldCipher
from resolvers.access.dataloaders import RoleByIdLoader
from resolvers.accounting.dataloaders import (
    AccountByIdLoader,
    JournalEntryByIdLoader,
    JournalLinesByEntryLoader,
)
from resolvers.company.dataloaders import CompanyByIdLoader


@dataclass(frozen=True)
class DataLoaders:
    company_by_id: CompanyByIdLoader
    role_by_id: RoleByIdLoader
    account_by_id: AccountByIdLoader
    journal_entry_by_id: JournalEntryByIdLoader
    journal_lines_by_entry: JournalLinesByEntryLoader

    @classmethod
    def build(cls, tenant_engine: AsyncEngine, cipher: FieldCipher) -> DataLoaders:
        return cls(
            company_by_id=CompanyByIdLoader(tenant_engine, cipher),
            role_by_id=RoleByIdLoader(tenant_engine),
            account_by_id=AccountByIdLoader(tenant_engine),
            journal_entry_by_id=JournalEntryByIdLoader(tenant_engine),
            journal_lines_by_entry=JournalLinesByEntryLoader(tenant_engine),
        )
