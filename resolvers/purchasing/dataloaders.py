"""Purchasing dataloaders: one per entity and key, built per request; each batch is one SQL
statement (db/readmodels/purchasing.py)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncEngine

from db.crypto import FieldCipher
from db.readmodels import purchasing as reads
from db.readmodels.purchasing import Row

_One = Callable[[AsyncEngine, Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, Row]]]
_Many = Callable[[AsyncEngine, Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, list[Row]]]]


class _ById(DataLoader[uuid.UUID, Row | None]):
    fetch: _One

    def __init__(self, tenant_engine: AsyncEngine) -> None:
        super().__init__()
        self._engine = tenant_engine

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Row | None]:
        rows = await type(self).fetch(self._engine, keys)
        return [rows.get(k) for k in keys]


class _ByParent(DataLoader[uuid.UUID, list[Row]]):
    fetch: _Many

    def __init__(self, tenant_engine: AsyncEngine) -> None:
        super().__init__()
        self._engine = tenant_engine

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[Row]]:
        rows = await type(self).fetch(self._engine, keys)
        return [rows.get(k, []) for k in keys]


class SupplierByIdLoader(DataLoader[uuid.UUID, Row | None]):
    """Suppliers with their balances; their tax ids are encrypted at rest, so this one needs
    the cipher."""

    def __init__(self, tenant_engine: AsyncEngine, cipher: FieldCipher) -> None:
        super().__init__()
        self._engine = tenant_engine
        self._cipher = cipher

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Row | None]:
        rows = await reads.suppliers_by_id(self._engine, keys, self._cipher)
        return [rows.get(k) for k in keys]


class PurchaseOrderByIdLoader(_ById):
    fetch = staticmethod(reads.orders_by_id)


class GoodsReceiptByIdLoader(_ById):
    fetch = staticmethod(reads.receipts_by_id)


class BillByIdLoader(_ById):
    fetch = staticmethod(reads.bills_by_id)


class SupplierPaymentByIdLoader(_ById):
    fetch = staticmethod(reads.payments_by_id)


class OrderLinesByOrderLoader(_ByParent):
    fetch = staticmethod(reads.order_lines_by_order)


class ReceiptsByOrderLoader(_ByParent):
    fetch = staticmethod(reads.receipts_by_order)


class ReceiptLinesByReceiptLoader(_ByParent):
    fetch = staticmethod(reads.receipt_lines_by_receipt)


class BillLinesByBillLoader(_ByParent):
    fetch = staticmethod(reads.bill_lines_by_bill)


class SupplierAllocationsByBillLoader(_ByParent):
    fetch = staticmethod(reads.allocations_by_bill)


class SupplierAllocationsByPaymentLoader(_ByParent):
    fetch = staticmethod(reads.allocations_by_payment)
