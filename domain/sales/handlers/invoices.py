"""Sales handlers: creating, posting and voiding invoices (AR, revenue, tax; stock on post)."""

from __future__ import annotations

from domain.accounting.handlers import company_currency
from domain.accounting.posting import post_entry_within
from domain.identity.access import AccessGrants, RecordFacts
from domain.sales.commands import (
    CreateInvoice,
    PostInvoice,
    VoidInvoice,
)
from domain.sales.handlers.steps import (
    _active,
    _copy_line,
    _currency,
    _customer,
    _document,
    _issue_stock,
    _may,
    _priced_items,
    _products_of,
    _rate,
    _replayed_invoice,
    _today,
)
from domain.sales.model import (
    Customer,
    DocumentKind,
    DocumentStatus,
    SalesAccounts,
    SalesDocument,
    due_date_for,
    format_number,
    idempotency_key,
    invoice_entry_lines,
)
from domain.sales.ports import SalesUnitOfWork
from domain.shared.clock import utcnow
from domain.shared.errors import (
    DomainError,
    ErrorCode,
    NotFound,
)
from domain.shared.events import EventOrigin


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
        # Postings for one customer with a limit take turns on its row: the balance read next
        # includes every posting committed before (an IN_TRANSACTION effect writes it), so two
        # at the same moment cannot both pass the limit.
        await uow.customers.get(customer.id, for_update=True)
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
