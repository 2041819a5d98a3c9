"""Sales command handlers: one function per command, one transaction per call.

Company scoping as in accounting: a customer, document or payment of a company the caller may
not enter reads as "not found".

Lock order inside a transaction (the same everywhere): the sales rows (customer, documents in
id order, payments), the document-number sequence, then the stock-level rows (taken by the
inventory seam, which posts its own entry), then the accounting locks (post_entry_within), and
last the audit chain (the unit of work's commit). Stock moves before the document's own entry is
posted so inventory's "stock rows, then accounting" order holds for every caller.
"""

from __future__ import annotations

from domain.sales.handlers.accounts import set_sales_account, set_tax_rounding
from domain.sales.handlers.customers import create_customer, update_customer
from domain.sales.handlers.deliveries import create_delivery
from domain.sales.handlers.invoices import create_invoice, post_invoice, void_invoice
from domain.sales.handlers.notes import create_credit_note, create_debit_note
from domain.sales.handlers.orders import create_sales_order
from domain.sales.handlers.payments import allocate_payment, receive_payment, refund_payment
from domain.sales.handlers.quotations import create_quotation

__all__ = [
    "allocate_payment",
    "create_credit_note",
    "create_customer",
    "create_debit_note",
    "create_delivery",
    "create_invoice",
    "create_quotation",
    "create_sales_order",
    "post_invoice",
    "receive_payment",
    "refund_payment",
    "set_sales_account",
    "set_tax_rounding",
    "update_customer",
    "void_invoice",
]
