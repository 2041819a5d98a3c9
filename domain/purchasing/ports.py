from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from domain.inventory.ports import InventoryUnitOfWork
from domain.purchasing.model import (
    BalanceChange,
    Bill,
    GoodsReceipt,
    PurchaseOrder,
    ReceiptLine,
    Supplier,
    SupplierCredit,
    SupplierPayment,
    Tolerance,
)
from domain.shared.idempotency import PriorRequest
from domain.tax.ports import TaxCodeRepository


class SupplierRepository(Protocol):
    async def get(self, supplier_id: uuid.UUID, *, for_update: bool = False) -> Supplier | None:
        """A supplier of this tenant (any company: the caller checks)."""

    async def code_taken(
        self, company_id: uuid.UUID, code: str, *, other_than: uuid.UUID | None = None
    ) -> bool: ...

    async def add(self, supplier: Supplier) -> None:
        """The supplier and its (zero) balance row."""

    async def save(self, supplier: Supplier, *, previous_version: int) -> None: ...

    async def has_documents(self, supplier_id: uuid.UUID) -> bool: ...

    async def balance_for_update(self, supplier_id: uuid.UUID) -> BalanceChange:
        """The supplier's balance (as totals), row-locked until commit."""

    async def change_balance(self, supplier_id: uuid.UUID, change: BalanceChange) -> None:
        """Add to the supplier's balance row (row-locked until commit)."""


class PurchasingDocuments(Protocol):
    async def settings(self, company_id: uuid.UUID) -> tuple[dict[str, uuid.UUID], Tolerance]:
        """Configured account ids by role (DEFAULT_ACCOUNT_CODES keys; absent: the default
        code's account) and the match tolerance."""

    async def save_settings(
        self,
        company_id: uuid.UUID,
        accounts: Mapping[str, uuid.UUID],
        price_tolerance_percent: Decimal | None,
        quantity_tolerance_percent: Decimal | None,
        actor: uuid.UUID,
    ) -> None: ...

    async def account_ids_by_code(
        self, company_id: uuid.UUID, codes: Collection[str]
    ) -> dict[str, uuid.UUID]: ...

    async def next_number(self, company_id: uuid.UUID, kind: str) -> int:
        """The next gapless number of `kind` (PO, GRN, BILL, PAY, SC); locked until commit."""

    async def order(
        self, order_id: uuid.UUID, *, for_update: bool = False
    ) -> PurchaseOrder | None: ...

    async def add_order(self, order: PurchaseOrder) -> None: ...

    async def save_order(self, order: PurchaseOrder) -> None:
        """Status and received quantities."""

    async def add_receipt(self, receipt: GoodsReceipt) -> None: ...

    async def receipt_lines(
        self, line_ids: Collection[uuid.UUID], *, for_update: bool = False
    ) -> dict[uuid.UUID, tuple[GoodsReceipt, ReceiptLine]]:
        """Receipt lines with their receipt's header (the receipt's `lines` holds only those)."""

    async def save_billed(self, lines: Sequence[ReceiptLine]) -> None: ...

    async def bill(self, bill_id: uuid.UUID, *, for_update: bool = False) -> Bill | None: ...

    async def bills(
        self, bill_ids: Collection[uuid.UUID], *, for_update: bool = False
    ) -> dict[uuid.UUID, Bill]:
        """Locked in id order when `for_update`."""

    async def add_bill(self, bill: Bill) -> None: ...

    async def save_bill(self, bill: Bill) -> None:
        """Header only (status, number, rate, amounts, journal entry)."""

    async def claim_request(
        self, company_id: uuid.UUID, key: str, fingerprint: str
    ) -> PriorRequest | None:
        """None: the idempotency key is new and ours until commit (a concurrent request with
        the same key waits). Otherwise the first request (its fingerprint, the payment's id)."""

    async def complete_request(
        self, company_id: uuid.UUID, key: str, document_id: uuid.UUID
    ) -> None: ...

    async def payment(self, payment_id: uuid.UUID) -> SupplierPayment | None: ...

    async def add_payment(self, payment: SupplierPayment) -> None: ...

    async def credited_quantities(self, bill_id: uuid.UUID) -> dict[uuid.UUID, Decimal]:
        """Per bill line, the quantity earlier credits took back."""

    async def add_credit(self, credit: SupplierCredit) -> None: ...


class PurchasingUnitOfWork(InventoryUnitOfWork, Protocol):
    """Purchasing's own repositories, inventory's (products, warehouses, stock: the seam
    moves stock in the same transaction) and accounting's (the seam posts)."""

    @property
    def suppliers(self) -> SupplierRepository: ...

    @property
    def purchasing(self) -> PurchasingDocuments: ...

    @property
    def tax_codes(self) -> TaxCodeRepository: ...
