"""Sales handlers: quotations."""

from __future__ import annotations

from domain.accounting.handlers import company_currency
from domain.identity.access import AccessGrants
from domain.sales.commands import (
    CreateQuotation,
)
from domain.sales.handlers.steps import _active, _currency, _customer, _priced_items, _rate, _today
from domain.sales.model import (
    DocumentKind,
    DocumentStatus,
    SalesDocument,
    format_number,
)
from domain.sales.ports import SalesUnitOfWork
from domain.shared.clock import utcnow
from domain.shared.events import EventOrigin


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
