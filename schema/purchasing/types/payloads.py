"""Purchasing GraphQL payloads and their per-mutation error types."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.purchasing.types.aging import PurchasingSettings
from schema.purchasing.types.bills import Bill
from schema.purchasing.types.orders import GoodsReceipt, PurchaseOrder
from schema.purchasing.types.payments import SupplierCredit, SupplierPayment
from schema.purchasing.types.suppliers import Supplier


@strawberry.type
class SupplierError(UserError):
    pass


@strawberry.type
class PurchaseOrderError(UserError):
    pass


@strawberry.type(description="`field` names the input at fault: `lines.<i>.quantity`, ...")
class GoodsReceiptError(UserError):
    pass


@strawberry.type(
    description="`field` names the input at fault: `lines.<i>.unitPrice` for a price beyond the "
    "match tolerance, `lines.<i>.quantity` for more than was received, `id` for a bill "
    "already posted."
)
class BillError(UserError):
    pass


@strawberry.type(description="`allocations.<i>.amount` for more than a bill's outstanding.")
class SupplierPaymentError(UserError):
    pass


@strawberry.type
class SupplierCreditError(UserError):
    pass


@strawberry.type
class PurchasingSettingsError(UserError):
    pass


@strawberry.type
class SupplierPayload:
    supplier: Supplier | None
    errors: list[SupplierError]


@strawberry.type
class PurchaseOrderPayload:
    purchase_order: PurchaseOrder | None
    errors: list[PurchaseOrderError]


@strawberry.type
class GoodsReceiptPayload:
    goods_receipt: GoodsReceipt | None
    errors: list[GoodsReceiptError]


@strawberry.type
class BillPayload:
    bill: Bill | None
    errors: list[BillError]


@strawberry.type
class SupplierPaymentPayload:
    payment: SupplierPayment | None
    errors: list[SupplierPaymentError]


@strawberry.type
class SupplierCreditPayload:
    credit: SupplierCredit | None
    errors: list[SupplierCreditError]


@strawberry.type
class PurchasingSettingsPayload:
    settings: PurchasingSettings | None
    errors: list[PurchasingSettingsError]
