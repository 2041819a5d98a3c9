"""Purchasing: suppliers, purchase orders, goods receipts, supplier bills, payments made and
supplier credits, with their invariants.

Amounts are Decimal in the document's currency (the supplier's), at most 4 places; a line's
amount is `quantity x unit price` rounded half-up to 4 places. Base-currency amounts use the
document's exchange rate (the company's rate on the document date) the same way the books do
(`domain.accounting.model.base_amount`), so sub-ledger and books agree to the cent.

Three-way match: a bill line that names a goods-receipt line may bill at most the quantity
received and not yet billed, and its unit price may differ from the receipt's (the order's)
price by at most the company's price tolerance (a percentage). Beyond either: the bill is
refused (`lines.<i>.quantity` / `lines.<i>.unitPrice`) and nothing is written.

Errors name the input field at fault as the client spelled it: `lines.2.quantity` is the third
line's quantity (lines are numbered from 0, as the client's list is).
"""

from __future__ import annotations

from domain.party import CODE_MAX, CODE_PATTERN, NAME_MAX, PAYMENT_TERMS_MAX
from domain.purchasing.model.balances import (
    DEFAULT_ACCOUNT_CODES,
    BalanceChange,
    PurchasingAccounts,
    check_tolerance,
)
from domain.purchasing.model.bills import (
    OPEN_BILL_STATUSES,
    Bill,
    BillLine,
    BillLineInput,
    BillStatus,
    Tolerance,
)
from domain.purchasing.model.common import (
    AMOUNT_MAX,
    BILL,
    GOODS_RECEIPT,
    HUNDRED,
    MAX_ADDRESSES,
    MAX_CONTACTS,
    MAX_LINES,
    PURCHASE_ORDER,
    QUANTUM,
    RATE_QUANTUM,
    REFERENCE_MAX,
    REGISTRATION_MAX,
    SUPPLIER,
    SUPPLIER_CREDIT,
    SUPPLIER_PAYMENT,
    TAX_ID_MAX,
    TEXT_MAX,
    TOLERANCE_MAX,
    ZERO,
    check_price,
    check_quantity,
    line_amount,
)
from domain.purchasing.model.credits import CreditLine, CreditLineInput, SupplierCredit
from domain.purchasing.model.orders import OrderLine, OrderLineInput, OrderStatus, PurchaseOrder
from domain.purchasing.model.payments import (
    ADVANCE_APPLIED_KIND,
    PAYMENT_KIND,
    Allocation,
    AllocationInput,
    SupplierPayment,
)
from domain.purchasing.model.products import ProductFacts, check_product
from domain.purchasing.model.receipts import GoodsReceipt, ReceiptLine, ReceiptLineInput
from domain.purchasing.model.suppliers import (
    SUPPLIER_FIELDS,
    Address,
    Contact,
    Supplier,
    require_supplier,
)

__all__ = [
    "ADVANCE_APPLIED_KIND",
    "AMOUNT_MAX",
    "BILL",
    "CODE_MAX",
    "CODE_PATTERN",
    "DEFAULT_ACCOUNT_CODES",
    "GOODS_RECEIPT",
    "HUNDRED",
    "MAX_ADDRESSES",
    "MAX_CONTACTS",
    "MAX_LINES",
    "NAME_MAX",
    "OPEN_BILL_STATUSES",
    "PAYMENT_KIND",
    "PAYMENT_TERMS_MAX",
    "PURCHASE_ORDER",
    "QUANTUM",
    "RATE_QUANTUM",
    "REFERENCE_MAX",
    "REGISTRATION_MAX",
    "SUPPLIER",
    "SUPPLIER_CREDIT",
    "SUPPLIER_FIELDS",
    "SUPPLIER_PAYMENT",
    "TAX_ID_MAX",
    "TEXT_MAX",
    "TOLERANCE_MAX",
    "ZERO",
    "Address",
    "Allocation",
    "AllocationInput",
    "BalanceChange",
    "Bill",
    "BillLine",
    "BillLineInput",
    "BillStatus",
    "Contact",
    "CreditLine",
    "CreditLineInput",
    "GoodsReceipt",
    "OrderLine",
    "OrderLineInput",
    "OrderStatus",
    "ProductFacts",
    "PurchaseOrder",
    "PurchasingAccounts",
    "ReceiptLine",
    "ReceiptLineInput",
    "Supplier",
    "SupplierCredit",
    "SupplierPayment",
    "Tolerance",
    "check_price",
    "check_product",
    "check_quantity",
    "check_tolerance",
    "line_amount",
    "require_supplier",
]
