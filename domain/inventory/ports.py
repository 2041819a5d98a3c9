"""Repositories the inventory context needs, and its unit of work (accounting's plus these:
stock movements post their journal entries in the same transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from domain.accounting.ports import AccountingUnitOfWork
from domain.inventory.model import (
    MovementType,
    Product,
    ProductCategory,
    StockLevel,
    Warehouse,
)
from domain.inventory.valuation import HistoryItem, Layer

StockKey = tuple[uuid.UUID, uuid.UUID]  # (product_id, warehouse_id)


class ProductRepository(Protocol):
    async def get_many(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Product]:
        """The products of this tenant with these ids (of any company: the caller checks)."""

    async def get_for_update(self, product_id: uuid.UUID) -> Product | None: ...

    async def sku_taken(
        self, company_id: uuid.UUID, sku: str, *, except_id: uuid.UUID | None = None
    ) -> bool: ...

    async def add(self, product: Product) -> None: ...

    async def save(self, product: Product, *, previous_version: int) -> None: ...

    async def has_movements(self, product_id: uuid.UUID) -> bool: ...

    async def categories(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, ProductCategory]: ...

    async def add_category(self, category: ProductCategory, actor: uuid.UUID) -> None: ...

    async def category_name_taken(self, company_id: uuid.UUID, name: str) -> bool: ...


class WarehouseRepository(Protocol):
    async def get_many(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Warehouse]: ...

    async def code_taken(self, company_id: uuid.UUID, code: str) -> bool: ...

    async def has_location(self, warehouse_id: uuid.UUID, location_id: uuid.UUID) -> bool: ...

    async def get_for_update(self, warehouse_id: uuid.UUID) -> Warehouse | None: ...

    async def save(self, warehouse: Warehouse, *, previous_version: int) -> None: ...

    async def add(self, warehouse: Warehouse) -> None:
        """The warehouse and its locations."""


@dataclass(frozen=True)
class NewMovement:
    id: uuid.UUID
    company_id: uuid.UUID
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    movement_type: MovementType
    occurred_on: date
    quantity: Decimal  # signed
    nominal_value: Decimal | None
    value: Decimal
    reason: str
    reference_type: str
    reference_id: uuid.UUID
    inventory_account_id: uuid.UUID | None
    counter_account_id: uuid.UUID | None
    actor: uuid.UUID
    transfer_id: uuid.UUID | None = None
    location_id: uuid.UUID | None = None


@dataclass(frozen=True)
class StoredMovement:
    item: HistoryItem
    movement_type: MovementType
    inventory_account_id: uuid.UUID | None
    counter_account_id: uuid.UUID | None


@dataclass(frozen=True)
class DailyChange:
    company_id: uuid.UUID
    quantity: Decimal
    value: Decimal
    issued: Decimal


@dataclass(frozen=True)
class Transfer:
    id: uuid.UUID
    company_id: uuid.UUID
    product_id: uuid.UUID
    from_warehouse_id: uuid.UUID
    to_warehouse_id: uuid.UUID
    quantity: Decimal
    value: Decimal
    status: str
    shipped_on: date
    received_on: date | None
    version: int = 1


class StockRepository(Protocol):
    async def lock_levels(
        self, company_id: uuid.UUID, keys: Sequence[StockKey]
    ) -> dict[StockKey, StockLevel]:
        """Create missing level rows, then lock all of them FOR UPDATE in (product, warehouse)
        order — every writer locks in this order, so concurrent movements queue, never
        deadlock."""

    async def layers(
        self, key: StockKey, *, covering: Decimal | None = None, deficit_only: bool = False
    ) -> list[Layer]:
        """The key's FIFO layers, oldest first. `covering`: only the oldest ones needed to
        issue that quantity; `deficit_only`: only a negative layer (what a receipt needs)."""

    async def replace_layers(
        self, key: StockKey, before: Sequence[Layer], after: Sequence[Layer]
    ) -> None:
        """Write the difference between two lists of a key's FIFO layers."""

    async def add_movement(self, movement: NewMovement) -> int:
        """Insert; returns the movement's order number (seq)."""

    async def history(self, key: StockKey) -> list[StoredMovement]:
        """All movements of the key, ordered by day then seq."""

    async def set_values(self, values: Mapping[uuid.UUID, Decimal]) -> None:
        """Re-value stored movements (movement id -> value change). A document line showing
        the cost of one of these issues (its `stock_movement_id`) shows the new cost from the
        same transaction on: documents carry the cost the ledger carries."""

    async def set_transaction(
        self, movement_ids: Collection[uuid.UUID], transaction_id: uuid.UUID
    ) -> None: ...

    async def add_daily(self, changes: Mapping[tuple[StockKey, date], DailyChange]) -> None: ...

    async def save_levels(self, levels: Collection[StockLevel]) -> None: ...

    async def default_accounts(
        self, company_id: uuid.UUID, codes: Collection[str]
    ) -> dict[str, uuid.UUID]:
        """The company's active accounts with these codes."""

    async def add_transfer(self, transfer: Transfer, reason: str, actor: uuid.UUID) -> None: ...

    async def set_transfer_value(self, transfer_id: uuid.UUID, value: Decimal) -> None: ...

    async def transfer_for_update(self, transfer_id: uuid.UUID) -> Transfer | None: ...

    async def receive_transfer(self, transfer_id: uuid.UUID, received_on: date) -> None: ...


class InventoryUnitOfWork(AccountingUnitOfWork, Protocol):
    @property
    def products(self) -> ProductRepository: ...

    @property
    def warehouses(self) -> WarehouseRepository: ...

    @property
    def stock(self) -> StockRepository: ...
