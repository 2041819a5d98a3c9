"""The typed set of dataloaders one operation uses: one `XByYLoader` per entity and key."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncEngine

from db.crypto import FieldCipher
from resolvers.access.dataloaders import RoleByIdLoader
from resolvers.accounting.dataloaders import (
    AccountByIdLoader,
    JournalEntryByIdLoader,
    JournalLinesByEntryLoader,
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


class DataLoaders:
    """One operation's loaders, each made on first use: a mutation that reads nothing through
    them (most commands) no longer pays for building all of them."""

    def __init__(self, tenant_engine: AsyncEngine, cipher: FieldCipher) -> None:
        self._engine = tenant_engine
        self._cipher = cipher

    @cached_property
    def company_by_id(self) -> CompanyByIdLoader:
        return CompanyByIdLoader(self._engine, self._cipher)

    @cached_property
    def role_by_id(self) -> RoleByIdLoader:
        return RoleByIdLoader(self._engine)

    @cached_property
    def account_by_id(self) -> AccountByIdLoader:
        return AccountByIdLoader(self._engine)

    @cached_property
    def journal_entry_by_id(self) -> JournalEntryByIdLoader:
        return JournalEntryByIdLoader(self._engine)

    @cached_property
    def journal_lines_by_entry(self) -> JournalLinesByEntryLoader:
        return JournalLinesByEntryLoader(self._engine)

    @cached_property
    def product_by_id(self) -> ProductByIdLoader:
        return ProductByIdLoader(self._engine)

    @cached_property
    def warehouse_by_id(self) -> WarehouseByIdLoader:
        return WarehouseByIdLoader(self._engine)

    @cached_property
    def customer_by_id(self) -> CustomerByIdLoader:
        return CustomerByIdLoader(self._engine, self._cipher)

    @cached_property
    def customer_balance_by_customer(self) -> CustomerBalanceByCustomerLoader:
        return CustomerBalanceByCustomerLoader(self._engine)

    @cached_property
    def sales_document_by_id(self) -> SalesDocumentByIdLoader:
        return SalesDocumentByIdLoader(self._engine)

    @cached_property
    def sales_lines_by_document(self) -> SalesLinesByDocumentLoader:
        return SalesLinesByDocumentLoader(self._engine)

    @cached_property
    def allocations_by_invoice(self) -> AllocationsByInvoiceLoader:
        return AllocationsByInvoiceLoader(self._engine)

    @cached_property
    def allocations_by_payment(self) -> AllocationsByPaymentLoader:
        return AllocationsByPaymentLoader(self._engine)

    @cached_property
    def customer_payment_by_id(self) -> CustomerPaymentByIdLoader:
        return CustomerPaymentByIdLoader(self._engine)

    @cached_property
    def supplier_by_id(self) -> purchasing_loaders.SupplierByIdLoader:
        return purchasing_loaders.SupplierByIdLoader(self._engine, self._cipher)

    @cached_property
    def purchase_order_by_id(self) -> purchasing_loaders.PurchaseOrderByIdLoader:
        return purchasing_loaders.PurchaseOrderByIdLoader(self._engine)

    @cached_property
    def goods_receipt_by_id(self) -> purchasing_loaders.GoodsReceiptByIdLoader:
        return purchasing_loaders.GoodsReceiptByIdLoader(self._engine)

    @cached_property
    def bill_by_id(self) -> purchasing_loaders.BillByIdLoader:
        return purchasing_loaders.BillByIdLoader(self._engine)

    @cached_property
    def supplier_payment_by_id(self) -> purchasing_loaders.SupplierPaymentByIdLoader:
        return purchasing_loaders.SupplierPaymentByIdLoader(self._engine)

    @cached_property
    def order_lines_by_order(self) -> purchasing_loaders.OrderLinesByOrderLoader:
        return purchasing_loaders.OrderLinesByOrderLoader(self._engine)

    @cached_property
    def receipts_by_order(self) -> purchasing_loaders.ReceiptsByOrderLoader:
        return purchasing_loaders.ReceiptsByOrderLoader(self._engine)

    @cached_property
    def receipt_lines_by_receipt(self) -> purchasing_loaders.ReceiptLinesByReceiptLoader:
        return purchasing_loaders.ReceiptLinesByReceiptLoader(self._engine)

    @cached_property
    def bill_lines_by_bill(self) -> purchasing_loaders.BillLinesByBillLoader:
        return purchasing_loaders.BillLinesByBillLoader(self._engine)

    @cached_property
    def supplier_allocations_by_bill(self) -> purchasing_loaders.SupplierAllocationsByBillLoader:
        return purchasing_loaders.SupplierAllocationsByBillLoader(self._engine)

    @cached_property
    def supplier_allocations_by_payment(
        self,
    ) -> purchasing_loaders.SupplierAllocationsByPaymentLoader:
        return purchasing_loaders.SupplierAllocationsByPaymentLoader(self._engine)
