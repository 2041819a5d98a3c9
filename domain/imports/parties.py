"""Customers and suppliers: the API's createCustomer / createSupplier fields, one row each.

Built by Customer.create / Supplier.create (their rules are the API's; codes, names and
payment terms are the party's rules, domain/party/rules.py). The currency defaults to the
company's, as the API's handlers do."""

from __future__ import annotations

from typing import Any

from domain.imports import cells
from domain.imports.schema import Books, Column, RowSchema
from domain.jobs.model import JobKind
from domain.purchasing.model import Supplier
from domain.sales.model import Customer

_PARTY_COLUMNS = (
    Column("code", cells.text, required=True),
    Column("name", cells.text, required=True),
    Column("taxId", cells.text),
    Column("registrationNumber", cells.text),
    Column("currencyCode", cells.text),
    Column("paymentTermsDays", cells.integer),
    Column("creditLimit", cells.decimal),
)

_ATTRIBUTES = {
    "code": "code",
    "name": "name",
    "taxId": "tax_id",
    "registrationNumber": "registration_number",
    "email": "email",
    "phone": "phone",
    "currencyCode": "currency_code",
    "paymentTermsDays": "payment_terms_days",
    "creditLimit": "credit_limit",
}


def _values(row: dict[str, Any], books: Books) -> dict[str, Any]:
    """The API's command values: what the row gave; the company's currency when it gave none."""
    values = {_ATTRIBUTES[name]: value for name, value in row.items() if value is not None}
    values.setdefault("currency_code", books.currency_code)
    return values


def build_customer(row: dict[str, Any], books: Books) -> Customer:
    return Customer.create(
        company_id=books.company_id, values=_values(row, books), actor=books.actor, now=books.now
    )


def build_supplier(row: dict[str, Any], books: Books) -> Supplier:
    values = _values(row, books)
    values.setdefault("code", "")
    values.setdefault("name", "")
    return Supplier.create(
        company_id=books.company_id, values=values, actor=books.actor, now=books.now
    )


CUSTOMERS = RowSchema(
    kind=JobKind.CUSTOMERS,
    resource="customer",
    columns=(
        *_PARTY_COLUMNS[:4],
        Column("email", cells.text),
        Column("phone", cells.text),
        *_PARTY_COLUMNS[4:],
    ),
    key="code",
    build=build_customer,
    key_of=lambda c: c.code,
    help="code*, name*, taxId, registrationNumber, email, phone, currencyCode (default: the "
    "company's), paymentTermsDays (default 30), creditLimit",
)

SUPPLIERS = RowSchema(
    kind=JobKind.SUPPLIERS,
    resource="supplier",
    columns=_PARTY_COLUMNS,
    key="code",
    build=build_supplier,
    key_of=lambda s: s.code,
    help="code* (stored upper-case), name*, taxId, registrationNumber, currencyCode (default: "
    "the company's), paymentTermsDays (default 30), creditLimit",
)
