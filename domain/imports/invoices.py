"""Sales invoices (history): one row per invoice line; rows with the same invoiceNumber make
one invoice (its number in the old system is kept as the reference). Every line is checked by
the API's own line rules (build_lines: product, description, quantity, price, discount, tax
code, warehouse for stocked products) and each invoice is then made by the API's handler —
createInvoice(post: true), its own transaction, with an idempotency key derived from the job
and the number, so a resumed job finds the invoices it already made instead of making them
twice. Stocked products are issued from the line's warehouse as the API does; history without
stock effect is written as free-text lines (a description, no sku)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from domain.imports import cells
from domain.imports.schema import Books, Column, RowSchema
from domain.jobs.model import JobKind, RowError
from domain.sales.model import Customer
from domain.sales.model.common import ZERO
from domain.sales.model.lines import ItemInput, build_lines
from domain.shared.errors import DomainError, ErrorCode, ValidationErrors

CUSTOMERS = "customers"  # Books.extra: by code
PRODUCTS = "products"  # by SKU
PRODUCTS_BY_ID = "products_by_id"
WAREHOUSES = "warehouses"  # ids by code
TAX_CODES = "tax_codes"
ROUNDING = "rounding"
_ITEM_FIELD = re.compile(r"^items\.(\d+)\.(\w+)$")
_COLUMN_OF = {"productId": "sku", "warehouseId": "warehouse", "quantity": "quantity",
              "unitPrice": "unitPrice", "discountPercent": "discountPercent",
              "taxCode": "taxCode", "description": "description"}  # fmt: skip


@dataclass(frozen=True)
class InvoiceLine:
    number: str
    customer: Customer
    issue_date: date
    due_date: date | None
    currency_code: str | None
    item: ItemInput


@dataclass
class InvoiceToImport:
    """One invoice of the file: what createInvoice(post: true) is called with."""

    number: str
    customer_id: uuid.UUID
    issue_date: date
    due_date: date | None
    currency_code: str | None
    items: list[ItemInput] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)

    def idempotency_key(self, job_id: uuid.UUID) -> str:
        return f"import:{job_id}:{self.number}"


def build_line(row: dict[str, Any], books: Books) -> InvoiceLine:
    errors = ValidationErrors()
    customer: Customer | None = books.extra[CUSTOMERS].get(row.get("customerCode"))
    if customer is None:
        errors.add(
            "customerCode", f"No customer {row.get('customerCode')} in this company.",
            ErrorCode.NOT_FOUND,
        )  # fmt: skip
    elif not customer.is_active:
        errors.add("customerCode", f"Customer {customer.code} is inactive.")
    product_id = warehouse_id = None
    if row.get("sku") is not None:
        product = books.extra[PRODUCTS].get(row["sku"])
        if product is None:
            errors.add("sku", f"No product {row['sku']} in this company.", ErrorCode.NOT_FOUND)
        else:
            product_id = product.id
    if row.get("warehouse") is not None:
        warehouse_id = books.extra[WAREHOUSES].get(row["warehouse"])
        if warehouse_id is None:
            errors.add(
                "warehouse", f"No warehouse {row['warehouse']} in this company.",
                ErrorCode.NOT_FOUND,
            )  # fmt: skip
    for name in ("invoiceNumber", "issueDate", "quantity"):
        if row.get(name) is None:
            errors.add(name, f"{name} is required.", ErrorCode.REQUIRED)
    errors.raise_if_any()
    assert customer is not None
    item = ItemInput(
        product_id=product_id,
        quantity=row["quantity"],
        unit_price=row.get("unitPrice"),
        description=row.get("description"),
        discount_percent=row.get("discountPercent") or ZERO,
        tax_code=row.get("taxCode"),
        warehouse_id=warehouse_id,
    )
    # The line alone, by the API's rules (the invoice's currency is checked with its invoice).
    try:
        _check_items([item], books, customer.currency_code)
    except DomainError as exc:
        raise DomainError(
            [
                replace(e, field=_COLUMN_OF.get((e.field or "").rpartition(".")[2], e.field))
                for e in exc.errors
            ]
        ) from exc
    return InvoiceLine(
        row["invoiceNumber"], customer, row["issueDate"], row.get("dueDate"),
        row.get("currencyCode"), item,
    )  # fmt: skip


def _check_items(items: list[ItemInput], books: Books, currency: str) -> None:
    build_lines(
        items,
        company_id=books.company_id,
        currency=currency,
        products=books.extra[PRODUCTS_BY_ID],
        tax_codes=books.extra[TAX_CODES],
        accounts=None,
        default_warehouse=None,
        require_warehouse=True,
        rounding=books.extra[ROUNDING],
    )


def invoices(
    accepted: list[tuple[int, Any]], books: Books
) -> tuple[list[tuple[int, Any]], list[RowError]]:
    """The lines grouped into invoices in file order; each invoice's lines agree on its
    header (customer, dates, currency)."""
    found: dict[str, InvoiceToImport] = {}
    problems: list[RowError] = []
    for row, line in accepted:
        invoice = found.get(line.number)
        if invoice is None:
            if line.number in books.taken:
                message = f"An invoice with reference {line.number} exists."
                problems.append(RowError(row, "invoiceNumber", str(ErrorCode.DUPLICATE), message))
                continue
            invoice = found[line.number] = InvoiceToImport(
                line.number, line.customer.id, line.issue_date, line.due_date, line.currency_code
            )
        else:
            header = (line.customer.id, line.issue_date, line.due_date, line.currency_code)
            if header != (invoice.customer_id, invoice.issue_date, invoice.due_date,
                          invoice.currency_code):  # fmt: skip
                problems.append(RowError(
                    row, "invoiceNumber", str(ErrorCode.INVALID),
                    f"Invoice {line.number}'s rows differ in customer, dates or currency "
                    f"(its first row is {invoice.rows[0]}).",
                ))  # fmt: skip
                continue
        invoice.items.append(line.item)
        invoice.rows.append(row)
    for invoice in found.values():
        try:
            _check_items(invoice.items, books, invoice.currency_code or books.currency_code)
        except DomainError as exc:
            problems.extend(_row_errors(invoice, exc))
    if problems:
        return [], problems
    return [(i.rows[0], i) for i in found.values()], []


def _row_errors(invoice: InvoiceToImport, exc: DomainError) -> list[RowError]:
    out = []
    for e in exc.errors:
        found = _ITEM_FIELD.match(e.field or "")
        if found and int(found.group(1)) < len(invoice.rows):
            row, column = invoice.rows[int(found.group(1))], _COLUMN_OF.get(found.group(2))
        else:
            row, column = invoice.rows[0], None
        out.append(RowError(row, column, str(e.code), e.message))
    return out


def refusal(invoice: InvoiceToImport, exc: DomainError) -> RowError:
    """What createInvoice refused, on the invoice's row (or line) at fault."""
    return _row_errors(invoice, DomainError(exc.errors[:1]))[0]


SALES_INVOICES = RowSchema(
    kind=JobKind.SALES_INVOICES,
    resource="invoice",
    actions=("create", "post"),  # createInvoice(post: true) checks both
    columns=(
        Column("invoiceNumber", cells.text, required=True),
        Column("customerCode", cells.text, required=True),
        Column("issueDate", cells.iso_date, required=True),
        Column("dueDate", cells.iso_date),
        Column("currencyCode", cells.text),
        Column("sku", cells.text),
        Column("description", cells.text),
        Column("quantity", cells.decimal, required=True),
        Column("unitPrice", cells.decimal),
        Column("discountPercent", cells.decimal),
        Column("taxCode", cells.text),
        Column("warehouse", cells.text),
    ),
    key=None,  # an invoice has several rows; its number is checked per invoice
    build=build_line,
    key_of=lambda line: line.number,
    batchable=False,
    finish=invoices,
    help="invoiceNumber* (rows with one number make one invoice; kept as its reference), "
    "customerCode*, issueDate*, dueDate (default: the customer's terms), currencyCode "
    "(default: the customer's), sku or description, quantity*, unitPrice (default: the "
    "product's price), discountPercent, taxCode, warehouse (code; stocked products)",
)
