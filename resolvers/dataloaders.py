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


@dataclass(frozen=True)
class DataLoaders:
    company_by_id: CompanyByIdLoader
    role_by_id: RoleByIdLoader
    account_by_id: AccountByIdLoader
    journal_entry_by_id: JournalEntryByIdLoader
    journal_lines_by_entry: JournalLinesByEntryLoader
    product_by_id: ProductByIdLoader
    warehouse_by_id: WarehouseByIdLoader
    customer_by_id: CustomerByIdLoader
    customer_balance_by_customer: CustomerBalanceByCustomerLoader
    sales_document_by_id: SalesDocumentByIdLoader
    sales_lines_by_document: SalesLinesByDocumentLoader
    allocations_by_invoice: AllocationsByInvoiceLoader
    allocations_by_payment: AllocationsByPaymentLoader
    customer_payment_by_id: CustomerPaymentByIdLoader
    supplier_by_id: purchasing_loaders.SupplierByIdLoader
    purchase_order_by_id: purchasing_loaders.PurchaseOrderByIdLoader
    goods_receipt_by_id: purchasing_loaders.GoodsReceiptByIdLoader
    bill_by_id: purchasing_loaders.BillByIdLoader
    supplier_payment_by_id: purchasing_loaders.SupplierPaymentByIdLoader
    order_lines_by_order: purchasing_loaders.OrderLinesByOrderLoader
    receipts_by_order: purchasing_loaders.ReceiptsByOrderLoader
    receipt_lines_by_receipt: purchasing_loaders.ReceiptLinesByReceiptLoader
    bill_lines_by_bill: purchasing_loaders.BillLinesByBillLoader
    supplier_allocations_by_bill: purchasing_loaders.SupplierAllocationsByBillLoader
    supplier_allocations_by_payment: purchasing_loaders.SupplierAllocationsByPaymentLoader

    @classmethod
    def build(cls, tenant_engine: AsyncEngine, cipher: FieldCipher) -> DataLoaders:
        return cls(
            company_by_id=CompanyByIdLoader(tenant_engine, cipher),
            role_by_id=RoleByIdLoader(tenant_engine),
            account_by_id=AccountByIdLoader(tenant_engine),
            journal_entry_by_id=JournalEntryByIdLoader(tenant_engine),
            journal_lines_by_entry=JournalLinesByEntryLoader(tenant_engine),
            product_by_id=ProductByIdLoader(tenant_engine),
            warehouse_by_id=WarehouseByIdLoader(tenant_engine),
            customer_by_id=CustomerByIdLoader(tenant_engine, cipher),
            customer_balance_by_customer=CustomerBalanceByCustomerLoader(tenant_engine),
            sales_document_by_id=SalesDocumentByIdLoader(tenant_engine),
            sales_lines_by_document=SalesLinesByDocumentLoader(tenant_engine),
            allocations_by_invoice=AllocationsByInvoiceLoader(tenant_engine),
            allocations_by_payment=AllocationsByPaymentLoader(tenant_engine),
            customer_payment_by_id=CustomerPaymentByIdLoader(tenant_engine),
            supplier_by_id=purchasing_loaders.SupplierByIdLoader(tenant_engine, cipher),
            purchase_order_by_id=purchasing_loaders.PurchaseOrderByIdLoader(tenant_engine),
            goods_receipt_by_id=purchasing_loaders.GoodsReceiptByIdLoader(tenant_engine),
            bill_by_id=purchasing_loaders.BillByIdLoader(tenant_engine),
            supplier_payment_by_id=purchasing_loaders.SupplierPaymentByIdLoader(tenant_engine),
            order_lines_by_order=purchasing_loaders.OrderLinesByOrderLoader(tenant_engine),
            receipts_by_order=purchasing_loaders.ReceiptsByOrderLoader(tenant_engine),
            receipt_lines_by_receipt=purchasing_loaders.ReceiptLinesByReceiptLoader(tenant_engine),
            bill_lines_by_bill=purchasing_loaders.BillLinesByBillLoader(tenant_engine),
            supplier_allocations_by_bill=purchasing_loaders.SupplierAllocationsByBillLoader(tenant_engine),
            supplier_allocations_by_payment=purchasing_loaders.SupplierAllocationsByPaymentLoader(tenant_engine),
        )
