"""The kinds that can be imported today, by job kind."""

from __future__ import annotations

from domain.imports.accounts import ACCOUNTS
from domain.imports.files import FileProblem, file_error
from domain.imports.opening import OPENING_BALANCES
from domain.imports.parties import CUSTOMERS, SUPPLIERS
from domain.imports.products import PRODUCTS
from domain.imports.rates import EXCHANGE_RATES
from domain.imports.schema import RowSchema
from domain.jobs.model import JobKind

SCHEMAS: dict[JobKind, RowSchema] = {
    s.kind: s for s in (CUSTOMERS, SUPPLIERS, PRODUCTS, ACCOUNTS, EXCHANGE_RATES, OPENING_BALANCES)
}


def schema_of(kind: JobKind) -> RowSchema:
    found = SCHEMAS.get(kind)
    if found is None:
        shipped = ", ".join(str(k) for k in SCHEMAS)
        raise file_error(
            FileProblem.FILE_TYPE, f"Importing {kind} is not available yet; kinds: {shipped}."
        )
    return found
