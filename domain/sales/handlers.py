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

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from domain.accounting.carrying import shares_in_force
from domain.accounting.handlers import company_currency
from domain.accounting.model import AccountType, LineInput, base_amount
from domain.accounting.posting import post_entry_within
from domain.identity.access import AccessGrants, Forbidden, RecordFacts
from domain.inventory.stock import (
    IssueLine,
    MovedLine,
    ReceiptLine,
    change_commitments_within,
    issue_within,
    receive_within,
)
from domain.sales.commands import (
    AllocatePayment,
    CreateCreditNote,
    CreateCustomer,
    CreateDebitNote,
    CreateDelivery,
    CreateInvoice,
    CreateQuotation,
    CreateSalesOrder,
    PostInvoice,
    ReceivePayment,
    RefundPayment,
    SetSalesAccount,
    SetTaxRounding,
    UpdateCustomer,
    VoidInvoice,
)
from domain.sales.events import PAYMENT_ALLOCATED, PAYMENT_RECEIVED, PAYMENT_REFUNDED
from domain.sales.model import (
    MAX_ALLOCATIONS,
    ROLE_ACCOUNT_TYPES,
    ZERO,
    AccountRole,
    Allocation,
    AllocationInput,
    Customer,
    CustomerPayment,
    DocumentKind,
    DocumentStatus,
    ItemInput,
    PaymentKind,
    PriorRequest,
    SalesAccounts,
    SalesDocument,
    SalesLine,
    build_lines,
    check_amount,
    credit_note_entry_lines,
    due_date_for,
    format_number,
    fx_line,
    idempotency_key,
    invoice_entry_lines,
    money_line,
    price_line,
    settlement_credit,
)
from domain.sales.ports import SalesUnitOfWork
from domain.shared.clock import utcnow
from domain.shared.currency import is_currency_code
from domain.shared.errors import (
    DomainError,
    ErrorCode,
    FieldError,
    NotFound,
    ValidationErrors,
)
from domain.shared.events import EventOrigin
from domain.tax.model import TaxCode, TaxRounding

ONE = Decimal(1)


# -- shared steps --------------------------------------------------------------------------------


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


# -- customers -----------------------------------------------------------------------------------


def _duplicate_code(code: str) -> DomainError:
    return DomainError.single(
        ErrorCode.DUPLICATE, f"The company already has a customer with code '{code}'.", "code"
    )


async def create_customer(
    cmd: CreateCustomer, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Customer:
    if not grants.can_enter(cmd.company_id):
        raise NotFound("Company", "companyId")
    grants.check("customer", "create", company_id=cmd.company_id)
    async with uow:
        currency = await company_currency(uow, cmd.company_id)
        values = dict(cmd.values)
        values.setdefault("currency_code", currency)
        if values.get("currency_code") is None:
            values["currency_code"] = currency
        customer = Customer.create(
            company_id=cmd.company_id, values=values, actor=origin.user_id, now=utcnow()
        )
        if not await uow.customers.add(customer):
            raise _duplicate_code(customer.code)
        uow.record(customer.events)
        await uow.commit()
    return customer


async def update_customer(
    cmd: UpdateCustomer, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Customer:
    async with uow:
        customer = await _customer(uow, grants, cmd.customer_id, field="id", for_update=True)
        grants.check(
            "customer",
            "update",
            company_id=customer.company_id,
            facts=RecordFacts(owner_id=customer.created_by),
        )
        previous = customer.version
        customer.update(
            expected_version=cmd.expected_version,
            changes=cmd.changes,
            actor=origin.user_id,
            now=utcnow(),
        )
        if customer.version != previous:
            if not await uow.customers.save(customer, previous_version=previous):
                raise _duplicate_code(customer.code)
            uow.record(customer.events)
            await uow.commit()
    return customer


# -- quotations, orders, deliveries --------------------------------------------------------------


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


async def create_quotation(
    cmd: CreateQuotation, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> SalesDocument:
    async with uow:
        customer = await _customer(uow, grants, cmd.customer_id)
        company = customer.company_id
        grants.check("invoice", "create", company_id=company)
        _active(customer)
        base = await company_currency(uow, company)
        currency = _currency(cmd.currency_code, customer)
        issue = _today(cmd.issue_date)
        rate = await _rate(uow, company, base, currency, issue, "issueDate")
        accounts = await uow.sales_documents.accounts(company)
        lines = await _priced_items(
            uow,
            company,
            currency,
            cmd.items,
            accounts=accounts,
            warehouse_id=None,
            require_warehouse=False,
        )
        number = await uow.sales_documents.next_number(company, DocumentKind.QUOTATION.value)
        now = utcnow()
        quotation = SalesDocument.new(
            kind=DocumentKind.QUOTATION,
            company_id=company,
            customer=customer,
            issue_date=issue,
            due_date=cmd.valid_until,
            currency_code=currency,
            exchange_rate=rate,
            lines=lines,
            status=DocumentStatus.OPEN,
            actor=origin.user_id,
            now=now,
            number=format_number(DocumentKind.QUOTATION.prefix, number),
            reference=cmd.reference,
            notes=cmd.notes,
            base_currency=base,
        )
        quotation.record_created(now)
        await uow.sales_documents.add(quotation)
        uow.record(quotation.events)
        await uow.commit()
    return quotation


async def create_sales_order(
    cmd: CreateSalesOrder, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> SalesDocument:
    """A sales order (from a quotation, whose items it takes, or from items); stocked items are
    reserved in their warehouse."""
    async with uow:
        quotation: SalesDocument | None = None
        if cmd.quotation_id is not None:
            quotation = await _document(
                uow,
                grants,
                cmd.quotation_id,
                [DocumentKind.QUOTATION],
                what="Quotation",
                field="quotationId",
                for_update=True,
            )
            customer_id = quotation.customer_id
        elif cmd.customer_id is not None:
            customer_id = cmd.customer_id
        else:
            raise DomainError.single(
                ErrorCode.REQUIRED, "A customer or a quotation is required.", "customerId"
            )
        customer = await _customer(uow, grants, customer_id)
        company = customer.company_id
        grants.check("invoice", "create", company_id=company)
        _active(customer)
        base = await company_currency(uow, company)
        issue = _today(cmd.issue_date)
        now = utcnow()
        accounts = await uow.sales_documents.accounts(company)
        rounding = await uow.tax_codes.rounding(company)
        if quotation is not None:
            if quotation.status is not DocumentStatus.OPEN:
                raise DomainError.single(
                    ErrorCode.INVALID_STATE,
                    f"Quotation {quotation.number} is {quotation.status.value}.",
                    "quotationId",
                )
            currency = quotation.currency_code
            await _products_of(uow, quotation.lines)
            lines = [
                _copy_line(
                    line,
                    line_number=line.line_number,
                    quantity=line.quantity,
                    currency=currency,
                    rounding=rounding,
                )
                for line in quotation.lines
            ]
            errors = ValidationErrors()
            for line in lines:
                line.source_line_number = None
                line.warehouse_id = line.warehouse_id or cmd.warehouse_id
                if line.is_stocked and line.warehouse_id is None:
                    errors.add(
                        "warehouseId",
                        "The quotation has stocked items: name the warehouse to reserve them in.",
                        ErrorCode.REQUIRED,
                    )
                    break
            errors.raise_if_any()
        else:
            currency = _currency(cmd.currency_code, customer)
            lines = await _priced_items(
                uow,
                company,
                currency,
                cmd.items,
                accounts=accounts,
                warehouse_id=cmd.warehouse_id,
                require_warehouse=True,
            )
        rate = await _rate(uow, company, base, currency, issue, "issueDate")
        number = await uow.sales_documents.next_number(company, DocumentKind.SALES_ORDER.value)
        order = SalesDocument.new(
            kind=DocumentKind.SALES_ORDER,
            company_id=company,
            customer=customer,
            issue_date=issue,
            due_date=cmd.delivery_date,
            currency_code=currency,
            exchange_rate=rate,
            lines=lines,
            status=DocumentStatus.OPEN,
            actor=origin.user_id,
            now=now,
            number=format_number(DocumentKind.SALES_ORDER.prefix, number),
            warehouse_id=cmd.warehouse_id,
            source_id=quotation.id if quotation else None,
            reference=cmd.reference,
            notes=cmd.notes,
            base_currency=base,
        )
        order.record_created(now)
        await uow.sales_documents.add(order)
        if quotation is not None:
            previous = quotation.version
            quotation.change_status(DocumentStatus.CONVERTED, actor=origin.user_id, now=now)
            await uow.sales_documents.save(quotation, previous_version=previous)
        for line in sorted(
            (x for x in lines if x.is_stocked and x.warehouse_id),
            key=lambda x: (str(x.product_id), str(x.warehouse_id)),
        ):
            await change_commitments_within(
                uow,
                company_id=company,
                product_id=line.product_id,  # type: ignore[arg-type]
                warehouse_id=line.warehouse_id,  # type: ignore[arg-type]
                reserved_delta=line.quantity,
            )
        uow.record(order.events)
        await uow.commit()
    return order


async def create_delivery(
    cmd: CreateDelivery, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> SalesDocument:
    """Deliver (part of) a sales order: the goods leave the warehouse at cost (Dr COGS / Cr
    inventory) and their reservation is released."""
    async with uow:
        order = await _document(
            uow,
            grants,
            cmd.sales_order_id,
            [DocumentKind.SALES_ORDER],
            what="Sales order",
            field="salesOrderId",
            for_update=True,
        )
        company = order.company_id
        grants.check("invoice", "create", company_id=company)
        if order.status not in (DocumentStatus.OPEN, DocumentStatus.PARTIALLY_DELIVERED):
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                f"Sales order {order.number} is {order.status.value}: nothing left to deliver.",
                "salesOrderId",
            )
        customer = await _customer(uow, grants, order.customer_id)
        await _products_of(uow, order.lines)
        by_number = {line.line_number: line for line in order.lines}
        wanted: list[tuple[SalesLine, Decimal]] = []
        errors = ValidationErrors()
        if cmd.lines:
            for i, requested in enumerate(cmd.lines):
                line = by_number.get(requested.line_number)
                if line is None:
                    errors.add(
                        f"lines.{i}.lineNumber", "No such line on the order.", ErrorCode.NOT_FOUND
                    )
                    continue
                if requested.quantity <= 0:
                    errors.add(f"lines.{i}.quantity", "The quantity must be greater than zero.")
                elif requested.quantity > line.open_quantity:
                    errors.add(
                        f"lines.{i}.quantity",
                        f"Only {line.open_quantity} of line {line.line_number} is left to deliver.",
                    )
                else:
                    wanted.append((line, requested.quantity))
        else:
            wanted = [(line, line.open_quantity) for line in order.lines if line.open_quantity > 0]
        errors.raise_if_any()
        if not wanted:
            raise DomainError.single(ErrorCode.INVALID, "Nothing to deliver.", "lines")
        issue = _today(cmd.delivery_date)
        now = utcnow()
        number = await uow.sales_documents.next_number(company, DocumentKind.DELIVERY.value)
        rounding = await uow.tax_codes.rounding(company)
        lines = [
            _copy_line(
                line, line_number=n, quantity=q, currency=order.currency_code, rounding=rounding
            )
            for n, (line, q) in enumerate(wanted, start=1)
        ]
        delivery = SalesDocument.new(
            kind=DocumentKind.DELIVERY,
            company_id=company,
            customer=customer,
            issue_date=issue,
            due_date=None,
            currency_code=order.currency_code,
            exchange_rate=order.exchange_rate,
            lines=lines,
            status=DocumentStatus.POSTED,
            actor=origin.user_id,
            now=now,
            number=format_number(DocumentKind.DELIVERY.prefix, number),
            warehouse_id=order.warehouse_id,
            source_id=order.id,
            notes=cmd.notes,
            base_currency=await company_currency(uow, company),
        )
        delivery.posted_at = now
        previous = order.version
        for line, quantity in wanted:
            line.fulfilled_quantity += quantity
        order.change_status(
            DocumentStatus.DELIVERED
            if all(line.open_quantity == 0 for line in order.lines)
            else DocumentStatus.PARTIALLY_DELIVERED,
            actor=origin.user_id,
            now=now,
        )
        await uow.sales_documents.save(order, previous_version=previous)
        for line, quantity in sorted(
            ((x, q) for x, q in wanted if x.is_stocked and x.warehouse_id),
            key=lambda pair: (str(pair[0].product_id), str(pair[0].warehouse_id)),
        ):
            await change_commitments_within(
                uow,
                company_id=company,
                product_id=line.product_id,  # type: ignore[arg-type]
                warehouse_id=line.warehouse_id,  # type: ignore[arg-type]
                reserved_delta=-quantity,
            )
        await _issue_stock(
            uow,
            origin,
            delivery,
            delivery.lines,
            reason=f"Delivery {delivery.number}",
            prefix="lines",
        )
        await uow.sales_documents.add(delivery)  # after the stock moved: with the lines' cost
        delivery.record_posted(now)
        uow.record(delivery.events)
        await uow.commit()
    return delivery


# -- invoices ------------------------------------------------------------------------------------


async def _post_invoice(
    invoice: SalesDocument,
    customer: Customer,
    uow: SalesUnitOfWork,
    origin: EventOrigin,
    *,
    accounts: SalesAccounts,
    base_currency: str,
) -> None:
    invoice.check_postable()
    _active(customer)
    if customer.credit_limit is not None:
        owing = await uow.customers.receivable_balance(customer.id)
        if owing + invoice.base_total > customer.credit_limit:
            raise DomainError.single(
                ErrorCode.LIMIT_EXCEEDED,
                f"Posting this invoice would take {customer.code} to "
                f"{owing + invoice.base_total} {base_currency}, above its credit limit of "
                f"{customer.credit_limit}.",
                "customerId",
            )
    if invoice.source_id is None:  # a direct invoice: its goods leave now (a delivery's did)
        await _products_of(uow, invoice.lines)
        await _issue_stock(
            uow, origin, invoice, invoice.lines, reason="Sales invoice", prefix="items"
        )
    # The number is drawn after the stock moved: the company's invoice sequence stays locked
    # until commit, so every other posting waits on it for as short a time as possible. (The
    # stock issue's own locks - stock rows, then inventory/COGS balances - are never taken
    # while holding the sequence by any other command: no lock cycle.)
    sequence = await uow.sales_documents.next_number(invoice.company_id, invoice.kind.value)
    number = format_number(invoice.kind.prefix, sequence)
    entry = await post_entry_within(
        uow,
        origin,
        company_id=invoice.company_id,
        transaction_date=invoice.issue_date,
        lines=invoice_entry_lines(invoice, accounts, base_currency),
        reference=number,
        description=f"Invoice {number} to {customer.name}"[:1000],
        date_field="issueDate",
    )
    now = utcnow()
    invoice.post(
        number=number,
        journal_entry_id=entry.id,
        stock_entry_id=None,
        actor=origin.user_id,
        now=now,
    )
    invoice.record_posted(now)


async def create_invoice(
    cmd: CreateInvoice, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> SalesDocument:
    """A draft invoice (posted at once with `post`): direct from items, or billing a delivery."""
    async with uow:
        delivery: SalesDocument | None = None
        if cmd.delivery_id is not None:
            delivery = await _document(
                uow,
                grants,
                cmd.delivery_id,
                [DocumentKind.DELIVERY],
                what="Delivery",
                field="deliveryId",
                for_update=True,
            )
        customer = await _customer(uow, grants, cmd.customer_id)
        company = customer.company_id
        grants.check("invoice", "create", company_id=company)
        if cmd.post:
            _may(grants, "invoice", "post", company)
        key = idempotency_key(cmd.idempotency_key)
        if key is not None:
            prior = await uow.sales_documents.claim_request(
                company, "createInvoice", key, cmd.fingerprint()
            )
            if prior is not None:
                return await _replayed_invoice(uow, prior, cmd.fingerprint())
        _active(customer)
        base = await company_currency(uow, company)
        issue = _today(cmd.issue_date)
        accounts = await uow.sales_documents.accounts(company)
        if delivery is not None:
            if delivery.customer_id != customer.id:
                raise NotFound("Delivery", "deliveryId")
            if cmd.items:  # they would be ignored: refuse them rather than bill something else
                raise DomainError.single(
                    ErrorCode.INVALID,
                    "A delivery is billed with its own lines: send no items.",
                    "items",
                )
            if delivery.status is not DocumentStatus.POSTED:
                raise DomainError.single(
                    ErrorCode.INVALID_STATE,
                    f"Delivery {delivery.number} is already invoiced.",
                    "deliveryId",
                )
            currency = delivery.currency_code
            rounding = await uow.tax_codes.rounding(company)
            lines = []
            for line in delivery.lines:
                copied = _copy_line(
                    line,
                    line_number=line.line_number,
                    quantity=line.quantity,
                    currency=currency,
                    rounding=rounding,
                )
                copied.cost_amount = line.cost_amount  # the delivery moved the goods
                copied.stock_movement_id = line.stock_movement_id  # its cost follows theirs
                lines.append(copied)
        else:
            currency = _currency(cmd.currency_code, customer)
            lines = await _priced_items(
                uow,
                company,
                currency,
                cmd.items,
                accounts=accounts,
                warehouse_id=cmd.warehouse_id,
                require_warehouse=True,
            )
        rate = await _rate(uow, company, base, currency, issue, "issueDate")
        now = utcnow()
        invoice = SalesDocument.new(
            kind=DocumentKind.INVOICE,
            company_id=company,
            customer=customer,
            issue_date=issue,
            due_date=due_date_for(issue, cmd.due_date, customer.payment_terms_days),
            currency_code=currency,
            exchange_rate=rate,
            lines=lines,
            status=DocumentStatus.DRAFT,
            actor=origin.user_id,
            now=now,
            warehouse_id=cmd.warehouse_id,
            source_id=delivery.id if delivery else None,
            reference=cmd.reference,
            notes=cmd.notes,
            base_currency=base,
        )
        invoice.record_created(now)
        if delivery is not None:
            previous = delivery.version
            delivery.change_status(DocumentStatus.INVOICED, actor=origin.user_id, now=now)
            await uow.sales_documents.save(delivery, previous_version=previous)
        if cmd.post:
            grants.check(
                "invoice",
                "post",
                company_id=company,
                facts=RecordFacts(owner_id=origin.user_id, amount=invoice.base_total),
            )
            await _post_invoice(
                invoice, customer, uow, origin, accounts=accounts, base_currency=base
            )
        await uow.sales_documents.add(invoice)
        if key is not None:
            await uow.sales_documents.complete_request(company, "createInvoice", key, invoice.id)
        uow.record(invoice.events)
        await uow.commit()
    return invoice


async def post_invoice(
    cmd: PostInvoice, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> SalesDocument:
    async with uow:
        found = await _document(uow, grants, cmd.invoice_id, [DocumentKind.INVOICE], what="Invoice")
        _may(grants, "invoice", "post", found.company_id)
        invoice = await uow.sales_documents.get(cmd.invoice_id, for_update=True)
        assert invoice is not None  # documents are never deleted
        grants.check(
            "invoice",
            "post",
            company_id=invoice.company_id,
            facts=RecordFacts(owner_id=invoice.created_by, amount=invoice.base_total),
        )
        invoice.check_postable()
        customer = await _customer(uow, grants, invoice.customer_id)
        base = await company_currency(uow, invoice.company_id)
        accounts = await uow.sales_documents.accounts(invoice.company_id)
        previous = invoice.version
        await _post_invoice(invoice, customer, uow, origin, accounts=accounts, base_currency=base)
        await uow.sales_documents.save(invoice, previous_version=previous)
        uow.record(invoice.events)
        await uow.commit()
    return invoice


async def void_invoice(
    cmd: VoidInvoice, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> SalesDocument:
    async with uow:
        found = await _document(uow, grants, cmd.invoice_id, [DocumentKind.INVOICE], what="Invoice")
        grants.check(
            "invoice",
            "void",
            company_id=found.company_id,
            facts=RecordFacts(owner_id=found.created_by, amount=found.base_total),
        )
        invoice = await uow.sales_documents.get(cmd.invoice_id, for_update=True)
        assert invoice is not None
        previous = invoice.version
        now = utcnow()
        invoice.void(actor=origin.user_id, now=now)
        invoice.record_voided(now)
        if invoice.source_id is not None:  # the delivery can be billed again
            delivery = await uow.sales_documents.get(invoice.source_id, for_update=True)
            if delivery is not None and delivery.status is DocumentStatus.INVOICED:
                before = delivery.version
                delivery.change_status(DocumentStatus.POSTED, actor=origin.user_id, now=now)
                await uow.sales_documents.save(delivery, previous_version=before)
        await uow.sales_documents.save(invoice, previous_version=previous)
        uow.record(invoice.events)
        await uow.commit()
    return invoice


# -- credit and debit notes ----------------------------------------------------------------------

_BILLED = (DocumentStatus.POSTED, DocumentStatus.PARTIALLY_PAID, DocumentStatus.PAID)


async def create_credit_note(
    cmd: CreateCreditNote, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> SalesDocument:
    """Credit (part of) a posted invoice: revenue and tax reversed, the invoice's amount due
    reduced (any excess becomes the customer's advance) and, with `return_stock`, the goods
    back in their warehouse at the cost they left with."""
    async with uow:
        found = await _document(
            uow, grants, cmd.invoice_id, [DocumentKind.INVOICE], what="Invoice", field="invoiceId"
        )
        company = found.company_id
        grants.check("invoice", "post", company_id=company)
        invoice = await uow.sales_documents.get(cmd.invoice_id, for_update=True)
        assert invoice is not None
        if invoice.status not in _BILLED:
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                f"The invoice is {invoice.status.value}: only a posted invoice can be credited.",
                "invoiceId",
            )
        customer = await _customer(uow, grants, invoice.customer_id)
        await _products_of(uow, invoice.lines)
        by_number = {line.line_number: line for line in invoice.lines}
        errors = ValidationErrors()
        if not cmd.lines:
            errors.add("lines", "A credit note needs at least one line.", ErrorCode.REQUIRED)
        credited: list[tuple[SalesLine, Decimal, Decimal | None]] = []
        seen: dict[int, Decimal] = {}
        for i, requested in enumerate(cmd.lines):
            line = by_number.get(requested.line_number)
            if line is None:
                errors.add(
                    f"lines.{i}.lineNumber", "No such line on the invoice.", ErrorCode.NOT_FOUND
                )
                continue
            seen[line.line_number] = seen.get(line.line_number, ZERO) + requested.quantity
            if requested.quantity <= 0:
                errors.add(f"lines.{i}.quantity", "The quantity must be greater than zero.")
            elif seen[line.line_number] > line.open_quantity:
                errors.add(
                    f"lines.{i}.quantity",
                    f"Only {line.open_quantity} of line {line.line_number} is left to credit: a "
                    "credit note cannot exceed its invoice.",
                )
            if (
                requested.unit_price is not None
                and not ZERO <= requested.unit_price <= line.unit_price
            ):
                errors.add(
                    f"lines.{i}.unitPrice",
                    "A credited price is between 0 and the invoiced price.",
                )
            credited.append((line, requested.quantity, requested.unit_price))
        errors.raise_if_any()
        rounding = await uow.tax_codes.rounding(company)
        lines = [
            _copy_line(
                line,
                line_number=n,
                quantity=q,
                currency=invoice.currency_code,
                rounding=rounding,
                unit_price=p,
            )
            for n, (line, q, p) in enumerate(credited, start=1)
        ]
        issue = _today(cmd.issue_date)
        now = utcnow()
        note = SalesDocument.new(
            kind=DocumentKind.CREDIT_NOTE,
            company_id=company,
            customer=customer,
            issue_date=max(issue, invoice.issue_date),
            due_date=None,
            currency_code=invoice.currency_code,
            exchange_rate=invoice.exchange_rate,  # the receivable is relieved at its own rate
            lines=lines,
            status=DocumentStatus.DRAFT,
            actor=origin.user_id,
            now=now,
            source_id=invoice.id,
            reference=invoice.number,
            notes=cmd.reason,
            base_currency=await company_currency(uow, company),
        )
        if note.total > invoice.total - invoice.amount_credited:
            raise DomainError.single(
                ErrorCode.INVALID,
                "A credit note cannot exceed what is left of its invoice.",
                "lines",
            )
        applied = min(note.total, invoice.amount_due)  # the rest is the customer's advance
        # The receivable it relieves carries the invoice's revaluations in force on its date;
        # dated before a revaluation that restated the invoice, it is refused.
        revalued = await _carried_revaluations(
            uow,
            {invoice.id: invoice},
            [invoice.id] if applied > 0 else [],
            note.issue_date,
            "issueDate",
        )
        number = await uow.sales_documents.next_number(company, DocumentKind.CREDIT_NOTE.value)
        note.number = format_number(DocumentKind.CREDIT_NOTE.prefix, number)
        if cmd.return_stock:
            returning = [
                (line, q, source)
                for line, (source, q, _) in zip(lines, credited, strict=True)
                if source.is_stocked and source.warehouse_id is not None and source.product_id
            ]
            if returning:
                accounts_for_cogs = await uow.sales_documents.accounts(company)
                try:
                    moved = await receive_within(
                        uow,
                        origin,
                        company_id=company,
                        occurred_on=note.issue_date,
                        reason=f"Credit note {note.number}",
                        reference_type=DocumentKind.CREDIT_NOTE.value,
                        reference_id=note.id,
                        lines=[
                            ReceiptLine(
                                product_id=source.product_id,  # type: ignore[arg-type]
                                warehouse_id=source.warehouse_id,  # type: ignore[arg-type]
                                quantity=q,
                                unit_cost=(source.cost_amount / source.quantity).quantize(
                                    Decimal("0.0001")
                                ),
                            )
                            for _, q, source in returning
                        ],
                        counter_account_id=accounts_for_cogs[AccountRole.COGS],
                        field_prefix="stock",
                        date_field="issueDate",
                    )
                except DomainError as exc:
                    raise _stock_errors(
                        exc, "lines", [x.line_number for x, _, _ in returning]
                    ) from None
                for (line, _, _), result in zip(returning, moved, strict=True):
                    line.cost_amount = result.value
                    line.stock_movement_id = result.movement_id
        accounts = await uow.sales_documents.accounts(company)
        base = await company_currency(uow, company)
        # What the applied part is worth at the invoice's rate (revenue and tax go back at
        # it) and what the receivable carries for it; the difference is realized FX.
        applied_base = (
            note.base_total
            if applied == note.total
            else min(base_amount(applied, note.exchange_rate, base), note.base_total)
        )
        relieved = (
            invoice.relieve_base(applied, base, revalued.get(invoice.id, ZERO))
            if applied > 0
            else ZERO
        )
        entry = await post_entry_within(
            uow,
            origin,
            company_id=company,
            transaction_date=note.issue_date,
            lines=credit_note_entry_lines(
                note,
                accounts,
                base,
                applied=applied,
                applied_base=applied_base,
                relieved=relieved,
            ),
            reference=note.number,
            description=f"Credit note {note.number} on {invoice.number}",
            date_field="issueDate",
        )
        note.status = DocumentStatus.POSTED
        note.journal_entry_id = entry.id
        note.posted_at = now
        note.base_settled = relieved  # the receivable it relieved (aging as of a date)
        previous = invoice.version
        for source, q, _ in credited:
            source.fulfilled_quantity += q
        if applied > 0:
            invoice.settle(credited=applied, base=relieved, actor=origin.user_id, now=now)
        else:
            invoice.touch(origin.user_id, now)
        await uow.sales_documents.save(invoice, previous_version=previous)
        await uow.sales_documents.add(note)
        note.record_posted(now, advance=note.base_total - applied_base, relieved=relieved)
        uow.record(invoice.events)
        uow.record(note.events)
        await uow.commit()
    return note


async def create_debit_note(
    cmd: CreateDebitNote, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> SalesDocument:
    """An extra charge on a posted invoice (its currency and rate): a receivable of its own."""
    async with uow:
        found = await _document(
            uow, grants, cmd.invoice_id, [DocumentKind.INVOICE], what="Invoice", field="invoiceId"
        )
        company = found.company_id
        grants.check("invoice", "post", company_id=company)
        if found.status not in _BILLED:
            raise DomainError.single(
                ErrorCode.INVALID_STATE,
                f"The invoice is {found.status.value}: only a posted invoice takes a debit note.",
                "invoiceId",
            )
        customer = await _customer(uow, grants, found.customer_id)
        accounts = await uow.sales_documents.accounts(company)
        base = await company_currency(uow, company)
        lines = await _priced_items(
            uow,
            company,
            found.currency_code,
            cmd.items,
            accounts=accounts,
            warehouse_id=None,
            require_warehouse=False,
        )
        for line in lines:
            line.is_stocked = False  # a charge: no goods move
            line.warehouse_id = None
        issue = max(_today(cmd.issue_date), found.issue_date)
        now = utcnow()
        note = SalesDocument.new(
            kind=DocumentKind.DEBIT_NOTE,
            company_id=company,
            customer=customer,
            issue_date=issue,
            due_date=due_date_for(issue, cmd.due_date, customer.payment_terms_days),
            currency_code=found.currency_code,
            exchange_rate=found.exchange_rate,
            lines=lines,
            status=DocumentStatus.DRAFT,
            actor=origin.user_id,
            now=now,
            source_id=found.id,
            reference=found.number,
            notes=cmd.reason,
            base_currency=base,
        )
        number = format_number(
            DocumentKind.DEBIT_NOTE.prefix,
            await uow.sales_documents.next_number(company, DocumentKind.DEBIT_NOTE.value),
        )
        entry = await post_entry_within(
            uow,
            origin,
            company_id=company,
            transaction_date=issue,
            lines=invoice_entry_lines(note, accounts, base),
            reference=number,
            description=f"Debit note {number} on {found.number}",
            date_field="issueDate",
        )
        note.post(
            number=number,
            journal_entry_id=entry.id,
            stock_entry_id=None,
            actor=origin.user_id,
            now=now,
        )
        note.record_posted(now)
        await uow.sales_documents.add(note)
        uow.record(note.events)
        await uow.commit()
    return note


# -- payments ------------------------------------------------------------------------------------


async def _allocate(
    uow: SalesUnitOfWork,
    payment: CustomerPayment,
    requested: Sequence[AllocationInput],
    *,
    available: Decimal,
    day: date,
    accounts: SalesAccounts,
    base_currency: str,
    actor: uuid.UUID,
) -> tuple[list[LineInput], Decimal]:
    """Settle invoices from `payment` (at most `available` of it). Returns the receivable
    credit lines and the base receivable relieved (each allocation keeps its realized FX: its
    value at the payment's rate less what it relieved)."""
    errors = ValidationErrors()
    if len(requested) > MAX_ALLOCATIONS:
        errors.add("allocations", f"At most {MAX_ALLOCATIONS} allocations per payment.")
    errors.raise_if_any()
    for i, allocation in enumerate(requested):
        try:
            check_amount(allocation.amount, f"allocations.{i}.amount")
        except DomainError as exc:
            for problem in exc.errors:
                errors.add(problem.field or "allocations", problem.message, problem.code)
    errors.raise_if_any()
    documents = await uow.sales_documents.get_many_for_update({a.invoice_id for a in requested})
    wanted: dict[uuid.UUID, Decimal] = {}
    for i, allocation in enumerate(requested):
        document = documents.get(allocation.invoice_id)
        at = f"allocations.{i}"
        if (
            document is None
            or document.company_id != payment.company_id
            or document.customer_id != payment.customer_id
            or not document.kind.receivable
        ):
            errors.add(f"{at}.invoiceId", "No such invoice of this customer.", ErrorCode.NOT_FOUND)
            continue
        if document.status not in (DocumentStatus.POSTED, DocumentStatus.PARTIALLY_PAID):
            errors.add(
                f"{at}.invoiceId",
                f"{document.number or 'The invoice'} is {document.status.value}: nothing is due.",
                ErrorCode.INVALID_STATE,
            )
            continue
        if document.currency_code != payment.currency_code:
            errors.add(
                f"{at}.invoiceId",
                f"{document.number} is in {document.currency_code}; this payment is in "
                f"{payment.currency_code}.",
            )
            continue
        wanted[document.id] = wanted.get(document.id, ZERO) + allocation.amount
        if wanted[document.id] > document.amount_due:
            errors.add(
                f"{at}.amount",
                f"Only {document.amount_due} {document.currency_code} is due on "
                f"{document.number}: that would over-allocate the payment.",
            )
    total = sum((a.amount for a in requested), ZERO)
    if total > available:
        errors.add(
            "allocations",
            f"The allocations ({total}) exceed the {available} {payment.currency_code} available.",
        )
    errors.raise_if_any()
    revalued = await _carried_revaluations(uow, documents, wanted, day, "allocations")
    lines: list[LineInput] = []
    relieved_total = ZERO
    now = utcnow()
    foreign = payment.currency_code != base_currency
    for invoice_id in sorted(wanted, key=str):
        document = documents[invoice_id]
        amount = wanted[invoice_id]
        relieved = document.relieve_base(amount, base_currency, revalued.get(invoice_id, ZERO))
        valued = base_amount(amount, payment.exchange_rate, base_currency)
        previous = document.version
        document.settle(paid=amount, base=relieved, actor=actor, now=now)
        await uow.sales_documents.save(document, previous_version=previous)
        uow.record(document.events)
        lines += settlement_credit(
            accounts[AccountRole.RECEIVABLE], amount, relieved, document, foreign
        )
        payment.allocations.append(
            Allocation(
                id=uuid.uuid4(),
                payment_id=payment.id,
                invoice_id=invoice_id,
                allocation_date=day,
                amount=amount,
                base_amount=relieved,
                fx_difference=valued - relieved,
            )
        )
        payment.allocated_amount += amount
        relieved_total += relieved
    return lines, relieved_total


async def _carried_revaluations(
    uow: SalesUnitOfWork,
    documents: Mapping[uuid.UUID, SalesDocument],
    settling: Collection[uuid.UUID],
    day: date,
    field: str,
) -> dict[uuid.UUID, Decimal]:
    """The revaluation shares of the invoices settled on `day` (see `shares_in_force`)."""
    names = {i: d.number or "The document" for i, d in documents.items()}
    return await shares_in_force(uow.rates, names, settling, day, field)


async def receive_payment(
    cmd: ReceivePayment, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> CustomerPayment:
    """Money in from a customer: allocated to invoices (partially or in full); what is left
    over is the customer's advance (2130). Realized FX on foreign invoices to 4920/6800."""
    async with uow:
        customer = await _customer(uow, grants, cmd.customer_id)
        company = customer.company_id
        grants.check("payment", "create", company_id=company)
        key = idempotency_key(cmd.idempotency_key)
        if key is not None:
            prior = await uow.sales_documents.claim_request(
                company, "receivePayment", key, cmd.fingerprint()
            )
            if prior is not None:
                return await _replayed_payment(uow, prior, cmd.fingerprint())
        check_amount(cmd.amount, "amount")
        base = await company_currency(uow, company)
        currency = _currency(cmd.currency_code, customer)
        day = _today(cmd.payment_date)
        await _bank_account(uow, company, cmd.bank_account_id, "bankAccountId")
        rate = await _rate(uow, company, base, currency, day, "paymentDate")
        accounts = await uow.sales_documents.accounts(company)
        now = utcnow()
        payment = CustomerPayment(
            id=uuid.uuid4(),
            company_id=company,
            customer_id=customer.id,
            kind=PaymentKind.RECEIPT,
            number="",
            payment_date=day,
            currency_code=currency,
            exchange_rate=rate,
            amount=cmd.amount,
            bank_account_id=cmd.bank_account_id,
            reference=cmd.reference,
            notes=cmd.notes,
            created_at=now,
            created_by=origin.user_id,
        )
        credit_lines, relieved = await _allocate(
            uow,
            payment,
            cmd.allocations,
            available=cmd.amount,
            day=day,
            accounts=accounts,
            base_currency=base,
            actor=origin.user_id,
        )
        sequence = await uow.sales_documents.next_number(company, PaymentKind.RECEIPT.value)
        payment.number = format_number(PaymentKind.RECEIPT.prefix, sequence)
        unallocated = payment.unallocated
        advance_base = base_amount(unallocated, rate, base)
        bank_base = base_amount(cmd.amount, rate, base)
        lines = [money_line(cmd.bank_account_id, cmd.amount, currency, rate, base, "debit")]
        lines += credit_lines
        if unallocated > 0:
            lines.append(
                money_line(
                    accounts[AccountRole.ADVANCES], unallocated, currency, rate, base, "credit"
                )
            )
        lines += fx_line(accounts, bank_base - relieved - advance_base)
        entry = await post_entry_within(
            uow,
            origin,
            company_id=company,
            transaction_date=day,
            lines=lines,
            reference=payment.number,
            description=f"Payment {payment.number} from {customer.name}"[:1000],
            date_field="paymentDate",
        )
        payment.journal_entry_id = entry.id
        payment.record(PAYMENT_RECEIVED, now, receivable=-relieved, advance=advance_base)
        await uow.customer_payments.add(payment)
        if key is not None:
            await uow.sales_documents.complete_request(company, "receivePayment", key, payment.id)
        uow.record(payment.events)
        await uow.commit()
    return payment


async def allocate_payment(
    cmd: AllocatePayment, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> CustomerPayment:
    """Apply a payment's unallocated amount (the customer's advance) to invoices."""
    async with uow:
        found = await uow.customer_payments.get(cmd.payment_id)
        if (
            found is None
            or not grants.can_enter(found.company_id)
            or found.kind is not PaymentKind.RECEIPT
        ):
            raise NotFound("Payment", "paymentId")
        company = found.company_id
        grants.check("payment", "create", company_id=company)
        payment = await uow.customer_payments.get(cmd.payment_id, for_update=True)
        assert payment is not None
        if not cmd.allocations:
            raise DomainError.single(ErrorCode.REQUIRED, "Nothing to allocate.", "allocations")
        base = await company_currency(uow, company)
        accounts = await uow.sales_documents.accounts(company)
        day = max(_today(cmd.allocation_date), payment.payment_date)
        previous = payment.version
        already = len(payment.allocations)
        credit_lines, relieved = await _allocate(
            uow,
            payment,
            cmd.allocations,
            available=payment.unallocated,
            day=day,
            accounts=accounts,
            base_currency=base,
            actor=origin.user_id,
        )
        allocated = sum((a.amount for a in payment.allocations[already:]), ZERO)
        # The advance is released at the payment's rate as one amount (its base is what the
        # line books); FX is whatever separates it from the receivable relieved.
        released = base_amount(allocated, payment.exchange_rate, base)
        lines = [
            money_line(
                accounts[AccountRole.ADVANCES],
                allocated,
                payment.currency_code,
                payment.exchange_rate,
                base,
                "debit",
            ),
            *credit_lines,
            *fx_line(accounts, released - relieved),
        ]
        entry = await post_entry_within(
            uow,
            origin,
            company_id=company,
            transaction_date=day,
            lines=lines,
            reference=payment.number,
            description=f"Advance {payment.number} applied",
            date_field="allocationDate",
        )
        payment.allocations[already:] = [
            replace(a, journal_entry_id=entry.id) for a in payment.allocations[already:]
        ]
        payment.version += 1
        now = utcnow()
        payment.record(PAYMENT_ALLOCATED, now, receivable=-relieved, advance=-released)
        await uow.customer_payments.save(payment, previous_version=previous)
        uow.record(payment.events)
        await uow.commit()
    return payment


async def refund_payment(
    cmd: RefundPayment, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> CustomerPayment:
    """Pay back (part of) a payment's unallocated amount: Dr advances / Cr bank, with realized
    FX between the payment's and the refund's rate. Returns the refund."""
    async with uow:
        found = await uow.customer_payments.get(cmd.payment_id)
        if (
            found is None
            or not grants.can_enter(found.company_id)
            or found.kind is not PaymentKind.RECEIPT
        ):
            raise NotFound("Payment", "paymentId")
        company = found.company_id
        grants.check("payment", "create", company_id=company)
        check_amount(cmd.amount, "amount")
        payment = await uow.customer_payments.get(cmd.payment_id, for_update=True)
        assert payment is not None
        if cmd.amount > payment.unallocated:
            raise DomainError.single(
                ErrorCode.INVALID,
                f"Only {payment.unallocated} {payment.currency_code} of {payment.number} is "
                "unallocated and can be refunded.",
                "amount",
            )
        base = await company_currency(uow, company)
        bank = cmd.bank_account_id or payment.bank_account_id
        await _bank_account(uow, company, bank, "bankAccountId")
        day = max(_today(cmd.refund_date), payment.payment_date)
        rate = await _rate(uow, company, base, payment.currency_code, day, "refundDate")
        accounts = await uow.sales_documents.accounts(company)
        now = utcnow()
        refund = CustomerPayment(
            id=uuid.uuid4(),
            company_id=company,
            customer_id=payment.customer_id,
            kind=PaymentKind.REFUND,
            number=format_number(
                PaymentKind.REFUND.prefix,
                await uow.sales_documents.next_number(company, PaymentKind.REFUND.value),
            ),
            payment_date=day,
            currency_code=payment.currency_code,
            exchange_rate=rate,
            amount=cmd.amount,
            bank_account_id=bank,
            reference=cmd.reference or payment.number,
            notes=None,
            created_at=now,
            created_by=origin.user_id,
        )
        advance_base = base_amount(cmd.amount, payment.exchange_rate, base)
        paid_base = base_amount(cmd.amount, rate, base)
        lines = [
            money_line(
                accounts[AccountRole.ADVANCES],
                cmd.amount,
                payment.currency_code,
                payment.exchange_rate,
                base,
                "debit",
            ),
            money_line(bank, cmd.amount, payment.currency_code, rate, base, "credit"),
            *fx_line(accounts, advance_base - paid_base),
        ]
        entry = await post_entry_within(
            uow,
            origin,
            company_id=company,
            transaction_date=day,
            lines=lines,
            reference=refund.number,
            description=f"Refund {refund.number} of {payment.number}",
            date_field="refundDate",
        )
        refund.journal_entry_id = entry.id
        previous = payment.version
        payment.refunded_amount += cmd.amount
        payment.version += 1
        await uow.customer_payments.save(payment, previous_version=previous)
        refund.record(PAYMENT_REFUNDED, now, receivable=ZERO, advance=-advance_base)
        await uow.customer_payments.add(refund)
        uow.record(refund.events)
        await uow.commit()
    return refund


# -- account mapping -----------------------------------------------------------------------------


async def set_sales_account(
    cmd: SetSalesAccount, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> SalesAccounts:
    """Map a posting role (receivable, sales, tax, ...) to another account of the company, or
    back to its default code's account. Returns the company's accounts as mapped now."""
    if not grants.can_enter(cmd.company_id):
        raise NotFound("Company", "companyId")
    grants.check("account", "update", company_id=cmd.company_id)
    async with uow:
        await company_currency(uow, cmd.company_id)
        if cmd.account_id is not None:
            account = (await uow.accounts.get_many([cmd.account_id])).get(cmd.account_id)
            if account is None or account.company_id != cmd.company_id:
                raise NotFound("Account", "accountId")
            expected = ROLE_ACCOUNT_TYPES[cmd.role]
            if not account.is_active or account.account_type.value != expected:
                raise DomainError.single(
                    ErrorCode.INVALID,
                    f"The {cmd.role.value} role posts to an active {expected} account.",
                    "accountId",
                )
        await uow.sales_documents.map_account(cmd.company_id, cmd.role.value, cmd.account_id)
        accounts = await uow.sales_documents.accounts(cmd.company_id)
        await uow.commit()
    return accounts


async def set_tax_rounding(
    cmd: SetTaxRounding, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> TaxRounding:
    """How the company rounds each line's tax from now on (documents already made keep theirs)."""
    if not grants.can_enter(cmd.company_id):
        raise NotFound("Company", "companyId")
    grants.check("account", "update", company_id=cmd.company_id)
    async with uow:
        await company_currency(uow, cmd.company_id)
        await uow.tax_codes.set_rounding(cmd.company_id, cmd.rounding)
        await uow.commit()
    return cmd.rounding
