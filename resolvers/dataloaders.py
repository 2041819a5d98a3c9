"""The typed set of dataloaders one operation uses: one `XByYLoader` per entity and key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar, overload

from sqlalchemy.ext.asyncio import AsyncEngine

from db.crypto import FieldCipher
from resolvers.access.dataloaders import RoleByIdLoader
from resolvers.accounting.dataloaders import (
    AccountByIdLoader,
    JournalEntryByIdLoader,
    JournalLinesByEntryLoader,
)
from resolvers.banking.dataloaders import (
    BankLinesByStatementLoader,
    BankMatchesByLineLoader,
    BankSuggestionsByLineLoader,
)
from resolvers.company.dataloaders import CompanyByIdLoader
from resolvers.inventory.dataloaders import ProductByIdLoader, WarehouseByIdLoader
from resolvers.purchasing import dataloaders as purchasing_loaders
from resolvers.sales.dataloaders import (
    AllocationsByInvoiceLoader,
    AllocationsByPaymentLoader,
    CustomerBalanceByCustomerLoader,
    CustomerByIdLoader,
    CustomerPaymentByIdLoader,
    SalesDocumentByIdLoader,
    SalesLinesByDocumentLoader,
)
from resolvers.webhooks.dataloaders import AttemptsByMessageLoader

T = TypeVar("T")


class _OnFirstUse(Generic[T]):
    """A `DataLoaders` attribute: the loader, built on first use and kept for the operation
    (stored on the instance, which later reads find first)."""

    def __init__(self, build: Callable[[AsyncEngine, FieldCipher], T]) -> None:
        self._build = build
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, loaders: None, owner: type) -> _OnFirstUse[T]: ...
    @overload
    def __get__(self, loaders: DataLoaders, owner: type) -> T: ...
    def __get__(self, loaders: DataLoaders | None, owner: type) -> T | _OnFirstUse[T]:
        if loaders is None:
            return self
        loader = self._build(loaders.engine, loaders.cipher)
        loaders.__dict__[self._name] = loader
        return loader


def plain(loader: Callable[[AsyncEngine], T]) -> _OnFirstUse[T]:
    return _OnFirstUse(lambda engine, _cipher: loader(engine))


def ciphered(loader: Callable[[AsyncEngine, FieldCipher], T]) -> _OnFirstUse[T]:
    """For loaders that open encrypted columns."""
    return _OnFirstUse(loader)


class DataLoaders:
    """One operation's loaders, each made on first use: a mutation that reads nothing through
    them (most commands) does not pay for building all of them."""

    def __init__(self, tenant_engine: AsyncEngine, cipher: FieldCipher) -> None:
        self.engine = tenant_engine
        self.cipher = cipher

    company_by_id = ciphered(CompanyByIdLoader)
    role_by_id = plain(RoleByIdLoader)
    account_by_id = plain(AccountByIdLoader)
    journal_entry_by_id = plain(JournalEntryByIdLoader)
    journal_lines_by_entry = plain(JournalLinesByEntryLoader)
    product_by_id = plain(ProductByIdLoader)
    warehouse_by_id = plain(WarehouseByIdLoader)
    customer_by_id = ciphered(CustomerByIdLoader)
    customer_balance_by_customer = plain(CustomerBalanceByCustomerLoader)
    sales_document_by_id = plain(SalesDocumentByIdLoader)
    sales_lines_by_document = plain(SalesLinesByDocumentLoader)
    allocations_by_invoice = plain(AllocationsByInvoiceLoader)
    allocations_by_payment = plain(AllocationsByPaymentLoader)
    customer_payment_by_id = plain(CustomerPaymentByIdLoader)
    supplier_by_id = ciphered(purchasing_loaders.SupplierByIdLoader)
    purchase_order_by_id = plain(purchasing_loaders.PurchaseOrderByIdLoader)
    goods_receipt_by_id = plain(purchasing_loaders.GoodsReceiptByIdLoader)
    bill_by_id = plain(purchasing_loaders.BillByIdLoader)
    supplier_payment_by_id = plain(purchasing_loaders.SupplierPaymentByIdLoader)
    order_lines_by_order = plain(purchasing_loaders.OrderLinesByOrderLoader)
    receipts_by_order = plain(purchasing_loaders.ReceiptsByOrderLoader)
    receipt_lines_by_receipt = plain(purchasing_loaders.ReceiptLinesByReceiptLoader)
    bill_lines_by_bill = plain(purchasing_loaders.BillLinesByBillLoader)
    supplier_allocations_by_bill = plain(purchasing_loaders.SupplierAllocationsByBillLoader)
    supplier_allocations_by_payment = plain(purchasing_loaders.SupplierAllocationsByPaymentLoader)
    webhook_attempts_by_message = plain(AttemptsByMessageLoader)
    bank_lines_by_statement = plain(BankLinesByStatementLoader)
    bank_matches_by_line = plain(BankMatchesByLineLoader)
    bank_suggestions_by_line = plain(BankSuggestionsByLineLoader)
