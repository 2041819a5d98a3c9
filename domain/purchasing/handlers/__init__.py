"""Purchasing command handlers: one function per command, one transaction per call.

Company scoping: a company (or a record of a company) the caller may not enter reads as "not
found". Permissions: suppliers `supplier:create|update`; orders, receipts, draft bills and
supplier credits `purchase:create`; posting a bill and the purchasing settings
`purchase:approve`; paying `payment:create`.

Lock order inside a transaction (the same in every command, so they cannot deadlock): the
purchasing documents (order, bills in id order, receipt lines in id order), the
document-number sequence, the supplier's balance row, then inventory's stock levels (through
its seam) and last the books (through `post_entry_within`).
"""

from __future__ import annotations

from domain.purchasing.handlers.bills import create_bill, post_bill, void_bill
from domain.purchasing.handlers.credits import issue_supplier_credit
from domain.purchasing.handlers.orders import cancel_purchase_order, create_purchase_order
from domain.purchasing.handlers.payments import apply_supplier_advance, make_supplier_payment
from domain.purchasing.handlers.receipts import receive_goods
from domain.purchasing.handlers.settings import configure_purchasing
from domain.purchasing.handlers.steps import resolve_accounts
from domain.purchasing.handlers.suppliers import create_supplier, update_supplier

__all__ = [
    "apply_supplier_advance",
    "cancel_purchase_order",
    "configure_purchasing",
    "create_bill",
    "create_purchase_order",
    "create_supplier",
    "issue_supplier_credit",
    "make_supplier_payment",
    "post_bill",
    "receive_goods",
    "resolve_accounts",
    "update_supplier",
    "void_bill",
]
