"""Purchasing GraphQL inputs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from domain.purchasing.model import OrderStatus
from schema.purchasing.types.common import BillStatus
from schema.scalars import Money


@strawberry.input
class AddressInput:
    line1: str
    kind: str = "billing"
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    country: str | None = None


@strawberry.input
class ContactInput:
    name: str
    email: str | None = None
    phone: str | None = None
    role: str | None = None


@strawberry.input
class CreateSupplierInput:
    company_id: strawberry.ID
    code: str
    name: str
    tax_id: str | None = None
    registration_number: str | None = None
    addresses: list[AddressInput] | None = None
    contacts: list[ContactInput] | None = None
    currency_code: str | None = strawberry.field(
        default=None, description="Default: the company's base currency."
    )
    payment_terms_days: int = 30
    credit_limit: Money | None = None


@strawberry.input(description="Send only the fields to change, with the version you last read.")
class UpdateSupplierInput:
    id: strawberry.ID
    version: int
    code: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    tax_id: str | None = strawberry.UNSET
    registration_number: str | None = strawberry.UNSET
    addresses: list[AddressInput] | None = strawberry.UNSET
    contacts: list[ContactInput] | None = strawberry.UNSET
    currency_code: str | None = strawberry.field(
        default=strawberry.UNSET, description="Refused once the supplier has documents."
    )
    payment_terms_days: int | None = strawberry.UNSET
    credit_limit: Money | None = strawberry.UNSET
    is_active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="false: no new orders, bills or payments."
    )


@strawberry.input
class PurchaseOrderLineInput:
    product_id: strawberry.ID
    quantity: Decimal
    unit_price: Money = strawberry.field(description="In the supplier's currency.")
    description: str | None = None


@strawberry.input
class CreatePurchaseOrderInput:
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    warehouse_id: strawberry.ID = strawberry.field(description="Where the goods will arrive.")
    order_date: date
    lines: list[PurchaseOrderLineInput]
    expected_date: date | None = None
    notes: str | None = None


@strawberry.input
class GoodsReceiptLineInput:
    order_line_id: strawberry.ID
    quantity: Decimal


@strawberry.input
class ReceiveGoodsInput:
    purchase_order_id: strawberry.ID
    receipt_date: date
    lines: list[GoodsReceiptLineInput]
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the order's warehouse."
    )
    notes: str | None = None


@strawberry.input(
    description="Matched to a goods receipt line (receiptLineId), or an expense line booked to "
    "accountId."
)
class BillLineInput:
    quantity: Decimal
    unit_price: Money
    receipt_line_id: strawberry.ID | None = None
    account_id: strawberry.ID | None = None
    product_id: strawberry.ID | None = None
    description: str | None = None
    tax_code: str | None = strawberry.field(default=None, description="A tax code, e.g. SST10.")


@strawberry.input
class CreateBillInput:
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    bill_date: date
    lines: list[BillLineInput]
    due_date: date | None = strawberry.field(
        default=None, description="Default: bill date + the supplier's payment terms."
    )
    supplier_reference: str | None = None
    notes: str | None = None
    post: bool = strawberry.field(
        default=False, description="Post it at once (needs purchase:approve too)."
    )


@strawberry.input
class PostBillInput:
    id: strawberry.ID


@strawberry.input
class VoidBillInput:
    id: strawberry.ID


@strawberry.input
class CancelPurchaseOrderInput:
    id: strawberry.ID


@strawberry.input
class PaymentAllocationInput:
    bill_id: strawberry.ID
    amount: Money


@strawberry.input
class MakeSupplierPaymentInput:
    company_id: strawberry.ID
    supplier_id: strawberry.ID
    payment_date: date
    amount: Money = strawberry.field(description="In the supplier's currency.")
    allocations: list[PaymentAllocationInput] = strawberry.field(
        default_factory=list, description="What is not allocated is an advance."
    )
    bank_account_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the purchasing bank account (1110)."
    )
    reference: str | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="A retry with the same key returns the first payment (nothing is paid "
        "twice); the same key with different input is refused (CONFLICT).",
    )


@strawberry.input
class ApplySupplierAdvanceInput:
    bill_id: strawberry.ID
    amount: Money = strawberry.field(description="In the supplier's currency.")
    date: date


@strawberry.input
class SupplierCreditLineInput:
    bill_line_id: strawberry.ID
    quantity: Decimal
    return_stock: bool = strawberry.field(
        default=False, description="The goods go back: stock out of the receipt's warehouse."
    )


@strawberry.input
class IssueSupplierCreditInput:
    bill_id: strawberry.ID
    credit_date: date
    lines: list[SupplierCreditLineInput]
    reason: str | None = None


@strawberry.input(description="Accounts by role; null leaves a setting as it is.")
class ConfigurePurchasingInput:
    company_id: strawberry.ID
    payable_account_id: strawberry.ID | None = None
    goods_received_account_id: strawberry.ID | None = None
    advances_account_id: strawberry.ID | None = None
    purchases_account_id: strawberry.ID | None = None
    fx_gain_account_id: strawberry.ID | None = None
    fx_loss_account_id: strawberry.ID | None = None
    bank_account_id: strawberry.ID | None = None
    price_tolerance_percent: Decimal | None = None
    quantity_tolerance_percent: Decimal | None = None


@strawberry.input
class PurchaseOrderFilter:
    supplier_id: strawberry.ID | None = None
    status: list[OrderStatus] | None = None


@strawberry.input
class DateRange:
    start: date | None = None
    end: date | None = None


@strawberry.input
class BillFilter:
    supplier_id: strawberry.ID | None = None
    status: list[BillStatus] | None = None
    date_range: DateRange | None = strawberry.field(default=None, description="On bill date.")


@strawberry.input
class SupplierPaymentFilter:
    supplier_id: strawberry.ID | None = None
    date_range: DateRange | None = None
