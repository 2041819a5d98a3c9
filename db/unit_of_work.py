"""The SQL unit of work: one tenant, one transaction, state and outbox rows together.

It knows no context: repositories are built on first use (a command pays only for those it
touches), and a repository that must act at the commit (accounting's journal: the posting count
and the entry numbers) joins it through the `CommitPart` protocol.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cached_property
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from db import audit
from db.access import SqlAccessRepository
from db.crypto import FieldCipher, tenant_schema
from db.driver_path.connection import driver_connection
from db.driver_path.statement_parts import Preceding
from db.outbox import notify_relays, outbox_rows
from db.projections import final_parts, run_in_transaction
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
from db.repositories.webhooks import SqlWebhookEndpointRepository
from db.tenant_plans import SqlLimitCounter
from db.tenant_users import SqlTenantUsers
from domain.shared.events import DomainEvent, EventOrigin, RecordedEvent


class CommitPart(Protocol):
    """A repository's share of the commit (it joins when the unit of work builds it).

    `before_commit` runs after the command's work and its IN_TRANSACTION effects: it may run
    statements, and may return a `Preceding` part for the commit's one final statement (with
    the outbox rows and the audit row); `after_final` then receives what that part's statement
    returned. At most one part per commit may contribute to the final statement.
    """

    async def before_commit(self) -> Preceding | None: ...

    def after_final(self, returned: tuple[Any, ...] | None) -> None: ...


_Part = TypeVar("_Part", bound=CommitPart)


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
        self._commit_parts: list[CommitPart] = []  # the repositories built that join the commit
        self.committed_events: list[DomainEvent] = []

    @property
    def connection(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._conn

    async def __aenter__(self) -> Self:
        self._conn = await self._engine.connect()
        self._tx = await self._conn.begin()
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

    # -- repositories, built on first use and bound to this transaction's connection ----------

    @cached_property
    def companies(self) -> SqlCompanyRepository:
        return SqlCompanyRepository(self.connection, self.cipher)

    @cached_property
    def access(self) -> SqlAccessRepository:
        return SqlAccessRepository(self.connection)

    @cached_property
    def users(self) -> SqlTenantUsers:
        return SqlTenantUsers(self.connection, self._origin.tenant_id, self.cipher)

    @cached_property
    def limits(self) -> SqlLimitCounter:
        return SqlLimitCounter(self.connection, self._origin.tenant_id)

    @cached_property
    def accounts(self) -> SqlAccountRepository:
        return SqlAccountRepository(self.connection)

    @cached_property
    def periods(self) -> SqlPeriodRepository:
        return SqlPeriodRepository(self.connection)

    @cached_property
    def journals(self) -> SqlJournalRepository:
        return self._joining_the_commit(
            SqlJournalRepository(self.connection, posting_counter=self.limits)
        )

    @cached_property
    def rates(self) -> SqlRateRepository:
        return SqlRateRepository(self.connection)

    @cached_property
    def products(self) -> SqlProductRepository:
        return SqlProductRepository(self.connection)

    @cached_property
    def warehouses(self) -> SqlWarehouseRepository:
        return SqlWarehouseRepository(self.connection)

    @cached_property
    def stock(self) -> SqlStockRepository:
        return SqlStockRepository(self.connection)

    @cached_property
    def tax_codes(self) -> SqlTaxCodeRepository:
        return SqlTaxCodeRepository(self.connection)

    @cached_property
    def customers(self) -> SqlCustomerRepository:
        return SqlCustomerRepository(self.connection, self.cipher)

    @cached_property
    def sales_documents(self) -> SqlSalesDocumentRepository:
        return SqlSalesDocumentRepository(self.connection)

    @cached_property
    def customer_payments(self) -> SqlCustomerPaymentRepository:
        return SqlCustomerPaymentRepository(self.connection)

    @cached_property
    def suppliers(self) -> SqlSupplierRepository:
        return SqlSupplierRepository(self.connection, self.cipher)

    @cached_property
    def purchasing(self) -> SqlPurchasingDocuments:
        return SqlPurchasingDocuments(self.connection)

    @cached_property
    def webhooks(self) -> SqlWebhookEndpointRepository:
        return SqlWebhookEndpointRepository(self.connection, self.cipher)

    def _joining_the_commit(self, part: _Part) -> _Part:
        self._commit_parts.append(part)
        return part

    def record(self, events: list[RecordedEvent]) -> None:
        self._pending.extend(events)
        events.clear()  # an aggregate's events are handed over exactly once

    async def commit(self) -> None:
        stamped = [DomainEvent.stamp(e, self._origin) for e in self._pending]
        # The IN_TRANSACTION effects first: every command then takes its read models' rows
        # before the posting count and the number sequence, one lock order for all.
        await run_in_transaction(self.connection, stamped)
        # Each part may run statements now and may hand one part to the final statement
        # (accounting: the month's posting count, then the entry numbers; see CommitPart).
        finals = [
            (part, share) for part in self._commit_parts if (share := await part.before_commit())
        ]
        if len(finals) > 1:
            raise RuntimeError("more than one commit part for the final statement")
        numbering = finals[0][1] if finals else None
        schema = tenant_schema(self.connection)
        if stamped and self._wake is None:
            await notify_relays(await driver_connection(self.connection), schema)
        preceding = numbering
        if stamped:
            cte, args = outbox_rows(schema, stamped, numbering.fill if numbering else None)
            preceding = Preceding(cte, args) if preceding is None else preceding.then(cte, args)
            # IN_TRANSACTION effects written by the same statement (webhook messages)
            for cte, args in final_parts(schema, stamped):
                preceding = preceding.then(cte, args)
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
        if finals:
            finals[0][0].after_final(drawn)
        assert self._tx is not None
        await self._tx.commit()
        self._pending.clear()
        self.committed_events = stamped
        if stamped and self._after_commit is not None:
            await self._after_commit(stamped)  # before the relay publishes them
        if stamped and self._wake is not None:
            self._wake(schema)
