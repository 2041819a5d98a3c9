from __future__ import annotations

import uuid
from collections.abc import Collection
from decimal import Decimal
from typing import Protocol

from domain.inventory.ports import InventoryUnitOfWork
from domain.sales.model import (
    Customer,
    CustomerPayment,
    SalesAccounts,
    SalesDocument,
)
from domain.shared.idempotency import PriorRequest
from domain.tax.ports import TaxCodeRepository


class CustomerRepository(Protocol):
    async def add(self, customer: Customer) -> bool:
        """False (nothing written) if the company already has a customer with this code."""

    async def get(self, customer_id: uuid.UUID, *, for_update: bool = False) -> Customer | None: ...

    async def save(self, customer: Customer, *, previous_version: int) -> bool:
        """False if another customer of the company has the new code."""

    async def receivable_balance(self, customer_id: uuid.UUID) -> Decimal:
        """From the customer balance read model (maintained by the event handler)."""


class SalesDocumentRepository(Protocol):
    async def add(self, document: SalesDocument) -> None: ...

    async def get(
        self, document_id: uuid.UUID, *, for_update: bool = False
    ) -> SalesDocument | None: ...

    async def get_many_for_update(
        self, ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, SalesDocument]:
        """Locked in id order (every command locks documents in that order: no deadlocks)."""

    async def save(self, document: SalesDocument, *, previous_version: int) -> None:
        """Header and the lines' running figures (fulfilled quantity, cost)."""

    async def next_number(self, company_id: uuid.UUID, kind: str) -> int:
        """The next gapless number of this kind; the sequence stays locked until commit."""

    async def accounts(self, company_id: uuid.UUID) -> SalesAccounts:
        """The company's posting accounts (mapped per role, else by the default codes)."""

    async def claim_request(
        self, company_id: uuid.UUID, operation: str, key: str, fingerprint: str
    ) -> PriorRequest | None:
        """None: the key is new and now ours until commit (a concurrent request with the same
        key waits for us). Otherwise the request that used it first."""

    async def complete_request(
        self, company_id: uuid.UUID, operation: str, key: str, result_id: uuid.UUID
    ) -> None: ...

    async def map_account(
        self, company_id: uuid.UUID, role: str, account_id: uuid.UUID | None
    ) -> None:
        """Post `role` to `account_id` from now on (None: the default code's account)."""


class CustomerPaymentRepository(Protocol):
    async def add(self, payment: CustomerPayment) -> None:
        """The payment and its allocations."""

    async def get(
        self, payment_id: uuid.UUID, *, for_update: bool = False
    ) -> CustomerPayment | None: ...

    async def save(self, payment: CustomerPayment, *, previous_version: int) -> None:
        """The header's running figures and any allocations not yet stored."""


class SalesUnitOfWork(InventoryUnitOfWork, Protocol):
    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def sales_documents(self) -> SalesDocumentRepository: ...

    @property
    def customer_payments(self) -> CustomerPaymentRepository: ...

    @property
    def tax_codes(self) -> TaxCodeRepository: ...
