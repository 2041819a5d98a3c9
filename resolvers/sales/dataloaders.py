"""Sales dataloaders: one per entity and key, each one SQL statement per batch."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncEngine

from db.crypto import FieldCipher
from db.readmodels.sales import (
    Row,
    allocations_by_invoice,
    allocations_by_payment,
    balances_by_customer,
    customers_by_id,
    documents_by_id,
    lines_by_document,
    payments_by_id,
)
from domain.sales.model import Customer

V = TypeVar("V")


class _ByKey(DataLoader[uuid.UUID, V]):
    """Loads values by id with one batched read; `default` for ids without a row."""

    read: Callable[[AsyncEngine, Sequence[uuid.UUID]], Awaitable[Mapping[uuid.UUID, Any]]]
    default: Any = None

    def __init__(self, tenant_engine: AsyncEngine) -> None:
        super().__init__()
        self._engine = tenant_engine

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[V]:
        found = await type(self).read(self._engine, keys)
        return [found.get(k, self.default) for k in keys]


class CustomerByIdLoader(DataLoader[uuid.UUID, Customer | None]):
    """Customers by id; their tax ids are encrypted at rest, so this one needs the cipher."""

    def __init__(self, tenant_engine: AsyncEngine, cipher: FieldCipher) -> None:
        super().__init__()
        self._engine = tenant_engine
        self._cipher = cipher

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Customer | None]:
        found = await customers_by_id(self._engine, keys, self._cipher)
        return [found.get(k) for k in keys]


class CustomerBalanceByCustomerLoader(_ByKey[Row | None]):
    read = staticmethod(balances_by_customer)


class SalesDocumentByIdLoader(_ByKey[Row | None]):
    read = staticmethod(documents_by_id)


class SalesLinesByDocumentLoader(_ByKey[list[Row]]):
    read = staticmethod(lines_by_document)
    default: Any = ()


class AllocationsByInvoiceLoader(_ByKey[list[Row]]):
    read = staticmethod(allocations_by_invoice)
    default: Any = ()


class AllocationsByPaymentLoader(_ByKey[list[Row]]):
    read = staticmethod(allocations_by_payment)
    default: Any = ()


class CustomerPaymentByIdLoader(_ByKey[Row | None]):
    read = staticmethod(payments_by_id)
