"""Sales: customers, sales documents (quotation, sales order, delivery, invoice, credit and debit
notes) and payments received, with their invariants and posting rules.

Money is Decimal. A document's amounts are in its currency; `exchange_rate` converts them to the
company's base currency (the company's rate in force on the document date). Line amounts are
rounded to the currency's minor units (half-up); tax per line with `domain.tax.model.line_tax`.

Errors name the input field at fault as the client spelled it: `items.2.quantity` is the third
item's quantity (items are numbered from 0, as the client's list is).
"""

from __future__ import annotations

from domain.sales.model.accounts import (
    DEFAULT_ACCOUNT_CODES,
    ROLE_ACCOUNT_TYPES,
    AccountRole,
    SalesAccounts,
    resolve_accounts,
)
from domain.sales.model.common import (
    AMOUNT_MAX,
    CUSTOMER,
    DESCRIPTION_MAX,
    HUNDRED,
    MAX_ALLOCATIONS,
    MAX_ITEMS,
    NOTES_MAX,
    PAYMENT,
    QUANTITY_QUANTUM,
    REFERENCE_MAX,
    REGISTRATION_MAX,
    SALES_DOCUMENT,
    TAX_ID_MAX,
    TAX_ID_PATTERN,
    ZERO,
    DocumentKind,
    DocumentStatus,
    PaymentKind,
    Problems,
    format_number,
)
from domain.sales.model.customers import CUSTOMER_FIELDS, Customer
from domain.sales.model.documents import SalesDocument, due_date_for
from domain.sales.model.idempotency import IDEMPOTENCY_KEY_MAX, fingerprint, idempotency_key
from domain.sales.model.lines import ItemInput, ProductView, SalesLine, build_lines, price_line
from domain.sales.model.payments import (
    Allocation,
    AllocationInput,
    CustomerPayment,
    allocation_fx,
    check_amount,
)
from domain.sales.model.posting import (
    credit_note_entry_lines,
    fx_line,
    invoice_entry_lines,
    money_line,
    settlement_credit,
    side_line,
)

__all__ = [
    "AMOUNT_MAX",
    "CUSTOMER",
    "CUSTOMER_FIELDS",
    "DEFAULT_ACCOUNT_CODES",
    "DESCRIPTION_MAX",
    "HUNDRED",
    "IDEMPOTENCY_KEY_MAX",
    "MAX_ALLOCATIONS",
    "MAX_ITEMS",
    "NOTES_MAX",
    "PAYMENT",
    "QUANTITY_QUANTUM",
    "REFERENCE_MAX",
    "REGISTRATION_MAX",
    "ROLE_ACCOUNT_TYPES",
    "SALES_DOCUMENT",
    "TAX_ID_MAX",
    "TAX_ID_PATTERN",
    "ZERO",
    "AccountRole",
    "Allocation",
    "AllocationInput",
    "Customer",
    "CustomerPayment",
    "DocumentKind",
    "DocumentStatus",
    "ItemInput",
    "PaymentKind",
    "Problems",
    "ProductView",
    "SalesAccounts",
    "SalesDocument",
    "SalesLine",
    "allocation_fx",
    "build_lines",
    "check_amount",
    "credit_note_entry_lines",
    "due_date_for",
    "fingerprint",
    "format_number",
    "fx_line",
    "idempotency_key",
    "invoice_entry_lines",
    "money_line",
    "price_line",
    "resolve_accounts",
    "settlement_credit",
    "side_line",
]
