"""Steps the sales handlers share: scoping, the customer and document lookups, currency and rate,
stock issue, copying lines, idempotent replays. Package-internal (underscore names)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from domain.accounting.model import AccountType
from domain.identity.access import AccessGrants, Forbidden
from domain.inventory.stock import (
    IssueLine,
    MovedLine,
    issue_within,
)
from domain.sales.model import (
    Customer,
    CustomerPayment,
    DocumentKind,
    ItemInput,
    SalesAccounts,
    SalesDocument,
    SalesLine,
    build_lines,
    price_line,
)
from domain.sales.ports import SalesUnitOfWork
from domain.shared.clock import utcnow
from domain.shared.currency import is_currency_code
from domain.shared.errors import (
    DomainError,
    ErrorCode,
    FieldError,
    NotFound,
)
from domain.shared.events import EventOrigin
from domain.shared.idempotency import PriorRequest
from domain.tax.model import TaxCode, TaxRounding

ONE = Decimal(1)


def _may(grants: AccessGrants, resource: str, action: str, company_id: uuid.UUID) -> None:
    if not grants.allows(resource, action, company_id):
        raise Forbidden(f"You lack permission {resource}:{action} in this company.")


async def _customer(
    uow: SalesUnitOfWork,
    grants: AccessGrants,
    customer_id: uuid.UUID,
    *,
    field: str = "customerId",
    for_update: bool = False,
) -> Customer:
    customer = await uow.customers.get(customer_id, for_update=for_update)
    if customer is None or not grants.can_enter(customer.company_id):
        raise NotFound("Customer", field)
    return customer


def _active(customer: Customer, field: str = "customerId") -> None:
    if not customer.is_active:
        raise DomainError.single(ErrorCode.INVALID, f"Customer {customer.code} is inactive.", field)


async def _document(
    uow: SalesUnitOfWork,
    grants: AccessGrants,
    document_id: uuid.UUID,
    kinds: Sequence[DocumentKind],
    *,
    what: str,
    field: str = "id",
    for_update: bool = False,
) -> SalesDocument:
    document = await uow.sales_documents.get(document_id, for_update=for_update)
    if document is None or document.kind not in kinds or not grants.can_enter(document.company_id):
        raise NotFound(what, field)
    return document


def _currency(requested: str | None, customer: Customer) -> str:
    currency = (requested or customer.currency_code).strip().upper()
    if not is_currency_code(currency):
        raise DomainError.single(
            ErrorCode.INVALID, f"'{currency}' is not an ISO 4217 currency.", "currencyCode"
        )
    return currency


async def _rate(
    uow: SalesUnitOfWork,
    company_id: uuid.UUID,
    base_currency: str,
    currency: str,
    day: date,
    field: str,
) -> Decimal:
    """The company's rate for `currency` in force on `day` (1 for the base currency)."""
    if currency == base_currency:
        return ONE
    rates = await uow.rates.rates_on(company_id, [currency], day)
    if currency not in rates:
        raise DomainError.single(
            ErrorCode.MISSING_RATE,
            f"No {currency} to {base_currency} exchange rate is in force on {day.isoformat()}.",
            field,
        )
    return rates[currency]


def _today(day: date | None) -> date:
    return day or utcnow().date()


def _stock_errors(exc: DomainError, prefix: str, line_numbers: Sequence[int]) -> DomainError:
    """The seam names fields `stock.<j>.x` for the j-th moved line; the client knows its items."""
    fixed = []
    for error in exc.errors:
        field = error.field
        parts = (field or "").split(".", 2)
        if parts[0] == "stock" and len(parts) > 1 and parts[1].isdigit():
            rest = f".{parts[2]}" if len(parts) > 2 else ""
            field = f"{prefix}.{line_numbers[int(parts[1])] - 1}{rest}"
        fixed.append(FieldError(error.code, error.message, field))
    return DomainError(fixed)


async def _issue_stock(
    uow: SalesUnitOfWork,
    origin: EventOrigin,
    document: SalesDocument,
    lines: Sequence[SalesLine],
    *,
    reason: str,
    prefix: str,
) -> None:
    """Issue the stocked lines' goods (Dr COGS / Cr inventory) and note each line's cost."""
    moving = [line for line in lines if line.is_stocked and line.warehouse_id is not None]
    if not moving:
        return
    try:
        moved: list[MovedLine] = await issue_within(
            uow,
            origin,
            company_id=document.company_id,
            occurred_on=document.issue_date,
            reason=reason,
            reference_type=document.kind.value,
            reference_id=document.id,
            lines=[
                IssueLine(
                    product_id=line.product_id,  # type: ignore[arg-type]
                    warehouse_id=line.warehouse_id,  # type: ignore[arg-type]
                    quantity=line.quantity,
                )
                for line in moving
            ],
            field_prefix="stock",
            date_field="issueDate",
        )
    except DomainError as exc:
        raise _stock_errors(exc, prefix, [line.line_number for line in moving]) from None
    for line, result in zip(moving, moved, strict=True):
        line.cost_amount = result.value
        line.stock_movement_id = result.movement_id


async def _products_of(uow: SalesUnitOfWork, lines: Sequence[SalesLine]) -> None:
    """Mark the lines whose product is stocked (stored lines do not carry it)."""
    ids = {line.product_id for line in lines if line.product_id is not None}
    products = await uow.products.get_many(ids) if ids else {}
    for line in lines:
        product = products.get(line.product_id) if line.product_id else None
        line.is_stocked = bool(product is not None and product.is_stocked)


def _copy_line(
    line: SalesLine,
    *,
    line_number: int,
    quantity: Decimal,
    currency: str,
    rounding: TaxRounding,
    unit_price: Decimal | None = None,
) -> SalesLine:
    """A line of a follow-up document priced as `line` (its tax rate as it was then)."""
    tax = (
        TaxCode(
            id=uuid.uuid4(),
            company_id=uuid.uuid4(),
            code=line.tax_code,
            name=line.tax_code,
            rate=line.tax_rate,
            account_id=line.tax_account_id,
        )
        if line.tax_code is not None
        else None
    )
    copied = price_line(
        line_number=line_number,
        currency=currency,
        product_id=line.product_id,
        description=line.description,
        quantity=quantity,
        unit_price=line.unit_price if unit_price is None else unit_price,
        discount_percent=line.discount_percent,
        tax=tax,
        rounding=rounding,
        revenue_account_id=line.revenue_account_id,
        warehouse_id=line.warehouse_id,
        is_stocked=line.is_stocked,
        source_line_number=line.line_number,
    )
    return copied


async def _bank_account(
    uow: SalesUnitOfWork, company_id: uuid.UUID, account_id: uuid.UUID, field: str
) -> None:
    account = (await uow.accounts.get_many([account_id])).get(account_id)
    if account is None or account.company_id != company_id:
        raise NotFound("Account", field)
    if not account.is_active or account.account_type is not AccountType.ASSET:
        raise DomainError.single(
            ErrorCode.INVALID, "Money is received into an active asset (bank) account.", field
        )


def _replay_conflict() -> DomainError:
    return DomainError.single(
        ErrorCode.CONFLICT,
        "This idempotency key was already used for a different request; use a new key for a "
        "new request.",
        "idempotencyKey",
    )


async def _replayed_invoice(
    uow: SalesUnitOfWork, prior: PriorRequest, fingerprint: str
) -> SalesDocument:
    """A retry: the first request's invoice as it stands now."""
    if prior.fingerprint != fingerprint:
        raise _replay_conflict()
    found = await uow.sales_documents.get(prior.result_id) if prior.result_id else None
    if found is None:  # unreachable: a key is only ever committed with its result
        raise _replay_conflict()
    return found


async def _replayed_payment(
    uow: SalesUnitOfWork, prior: PriorRequest, fingerprint: str
) -> CustomerPayment:
    if prior.fingerprint != fingerprint:
        raise _replay_conflict()
    found = await uow.customer_payments.get(prior.result_id) if prior.result_id else None
    if found is None:
        raise _replay_conflict()
    return found


async def _own_warehouses(
    uow: SalesUnitOfWork,
    company_id: uuid.UUID,
    items: Sequence[ItemInput],
    warehouse_id: uuid.UUID | None,
) -> None:
    """Every warehouse named, on the document or an item, is the company's: a line that names
    another company's warehouse (even one that moves no stock, as a quotation's) is refused as
    an unknown one, rather than stored where the company's documents show it."""
    named = [("warehouseId", warehouse_id)] + [
        (f"items.{i}.warehouseId", item.warehouse_id) for i, item in enumerate(items)
    ]
    ids = {w for _, w in named if w is not None}
    found = await uow.warehouses.get_many(ids) if ids else {}
    errors = [
        FieldError(ErrorCode.NOT_FOUND, "No such warehouse in this company.", field)
        for field, w in named
        if w is not None and (w not in found or found[w].company_id != company_id)
    ]
    if errors:
        raise DomainError(errors)


async def _priced_items(
    uow: SalesUnitOfWork,
    company_id: uuid.UUID,
    currency: str,
    items: Sequence[ItemInput],
    *,
    accounts: SalesAccounts,
    warehouse_id: uuid.UUID | None,
    require_warehouse: bool,
) -> list[SalesLine]:
    await _own_warehouses(uow, company_id, items, warehouse_id)
    ids = {i.product_id for i in items if i.product_id is not None}
    products = await uow.products.get_many(ids) if ids else {}
    taxes = await uow.tax_codes.for_company(company_id)
    rounding = await uow.tax_codes.rounding(company_id)
    return build_lines(
        items,
        company_id=company_id,
        currency=currency,
        products=products,
        tax_codes=taxes,
        accounts=accounts,
        default_warehouse=warehouse_id,
        require_warehouse=require_warehouse,
        rounding=rounding,
    )
