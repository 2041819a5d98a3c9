"""The kinds that can be imported today, by job kind."""

from __future__ import annotations

from domain.imports.accounts import ACCOUNTS
from domain.imports.invoices import SALES_INVOICES
from domain.imports.opening import OPENING_BALANCES
from domain.imports.parties import CUSTOMERS, SUPPLIERS
from domain.imports.products import PRODUCTS
from domain.imports.rates import EXCHANGE_RATES
from domain.imports.schema import RowSchema
from domain.imports.stock import STOCK_ON_HAND
from domain.jobs.model import JobKind
from domain.shared.errors import DomainError, ErrorCode

SCHEMAS: dict[JobKind, RowSchema] = {
    s.kind: s
    for s in (
        CUSTOMERS,
        SUPPLIERS,
        PRODUCTS,
        ACCOUNTS,
        EXCHANGE_RATES,
        OPENING_BALANCES,
        STOCK_ON_HAND,
        SALES_INVOICES,
    )
}


def schema_of(kind: JobKind) -> RowSchema:
    found = SCHEMAS.get(kind)
    if found is None:
        shipped = ", ".join(str(k) for k in SCHEMAS)
        raise DomainError.single(
            ErrorCode.INVALID, f"Importing {kind} is not available yet; kinds: {shipped}.", "kind"
        )
    return found
