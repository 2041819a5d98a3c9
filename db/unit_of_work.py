"""The SQL unit of work: one tenant, one transaction, state and outbox rows together."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from db import audit
from db.access import SqlAccessRepository
from db.crypto import FieldCipher, tenant_schema
from db.driver_path.connection import driver_connection
from db.driver_path.statement_parts import Preceding
from db.outbox import notify_relays, outbox_rows
from db.repositories.accounting import (
    SqlAccountRepository,
    SqlJournalRepository,
    SqlPeriodRepository,
)
from db.repositories.companies import SqlCompanyRepository
from db.repositories.currency import SqlRateRepository
from db.repositories.inventory import (
    SqlProductRepository,
    SqlStockRepository,
    SqlWarehouseRepository,
)
from db.repositories.purchasing import SqlPurchasingDocuments, SqlSupplierRepository
from db.repositories.sales import (
    SqlCustomerPaymentRepository,
    SqlCustomerRepository,
    SqlSalesDocumentRepository,
)
from db.repositories.tax import SqlTaxCodeRepository
from db.tenant_plans import SqlLimitCounter
from db.tenant_users import SqlTenantUsers
from domain.shared.events import DomainEvent, EventOrigin, RecordedEvent


class SqlUnitOfWork:
    """Use once per command: `async with uow: ...; await uow.commit()`.

    Leaving the block without commit rolls everything back — nothing is half-written.
    Repositories are attributes bound to this transaction's connection.
    """

    def __init__(
        self,
        tenant_engine: AsyncEngine,
        origin: EventOrigin,
        *,
        cipher: FieldCipher | None = None,
        operation: str | None = None,
        wake: Callable[[str], None] | None = None,
        after_commit: Callable[[list[DomainEvent]], Awaitable[None]] | None = None,
    ) -> None:
        self._engine = tenant_engine
        # The AFTER_COMMIT effects of the committed events (domain/effects.py, db/effects.py).
        self._after_commit = after_commit
        # Told the tenant schema after a commit that wrote events: the API process's own outbox
        # relay. Without it the commit notifies every relay through PostgreSQL (db/outbox.py).
        self._wake = wake
        self._origin = origin
        self._operation = operation  # audit row's operation (the mutation's name)
        self.cipher = cipher  # encrypted columns (db/crypto.py); without it their writes refuse
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None
        self._pending: list[RecordedEvent] = []
        self.committed_events: list[DomainEvent] = []

    @property
    def connection(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._conn

    async def __aenter__(self) -> Self:
        self._conn = await self._engine.connect()
        self._tx = await self._conn.begin()
        self.companies = SqlCompanyRepository(self._conn, self.cipher)
        self.access = SqlAccessRepository(self._conn)
        self.users = SqlTenantUsers(self._conn, self._origin.tenant_id, self.cipher)
        self.limits = SqlLimitCounter(self._conn, self._origin.tenant_id)
        self.accounts = SqlAccountRepository(self._conn)
        self.periods = SqlPeriodRepository(self._conn)
        self.journals = SqlJournalRepository(self._conn)
        self.rates = SqlRateRepository(self._conn)
        self.products = SqlProductRepository(self._conn)
        self.warehouses = SqlWarehouseRepository(self._conn)
        self.stock = SqlStockRepository(self._conn)
        self.tax_codes = SqlTaxCodeRepository(self._conn)
        self.customers = SqlCustomerRepository(self._conn, self.cipher)
        self.sales_documents = SqlSalesDocumentRepository(self._conn)
        self.customer_payments = SqlCustomerPaymentRepository(self._conn)
        self.suppliers = SqlSupplierRepository(self._conn, self.cipher)
        self.purchasing = SqlPurchasingDocuments(self._conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                await self._tx.rollback()
        finally:
            if self._conn is not None:
                await self._conn.close()
            self._conn = self._tx = None

    def record(self, events: list[RecordedEvent]) -> None:
        self._pending.extend(events)
        events.clear()  # an aggregate's events are handed over exactly once

    async def commit(self) -> None:
        # The month's count of postings first (maxTransactions; it needs no number), then the
        # entry numbers: each locks its fiscal year's sequence until the commit and every
        # posting of the company queues there, so what follows is kept to one statement (the
        # number with the events that carry it and the audit row) and the COMMIT.
        await self.limits.count_postings(
            self.journals.awaiting_numbers, self.journals.posting_limits
        )
        # One entry posted (the usual command): its number is drawn in that last statement.
        numbering = self.journals.numbering_part()
        if numbering is None:
            await self.journals.number_pending()
        stamped = [DomainEvent.stamp(e, self._origin) for e in self._pending]
        schema = tenant_schema(self.connection)
        if stamped and self._wake is None:
            await notify_relays(await driver_connection(self.connection), schema)
        preceding = numbering
        if stamped:
            cte, args = outbox_rows(schema, stamped, numbering.fill if numbering else None)
            preceding = Preceding(cte, args) if preceding is None else preceding.then(cte, args)
        # The number, the events' outbox rows and the audit row in one statement, last before
        # COMMIT: it takes one of the tenant's audit-chain lanes until the commit.
        if self.cipher is None:
            raise RuntimeError("this unit of work has no FieldCipher: its audit row needs the key")
        drawn = await audit.record_command(
            self.connection,
            self._origin,
            self._operation,
            stamped,
            key=self.cipher.audit_chain_key,
            preceding=preceding,
        )
        if numbering is not None:
            self.journals.numbered(drawn)
        assert self._tx is not None
        await self._tx.commit()
        self._pending.clear()
        self.committed_events = stamped
        if stamped and self._after_commit is not None:
            await self._after_commit(stamped)  # before the relay publishes them
        if stamped and self._wake is not None:
            self._wake(schema)
