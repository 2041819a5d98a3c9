"""Sales handlers: sales orders (stock committed to the order)."""

from __future__ import annotations

from domain.accounting.handlers import company_currency
from domain.identity.access import AccessGrants
from domain.inventory.stock import (
    change_commitments_within,
)
from domain.sales.commands import (
    CreateSalesOrder,
)
from domain.sales.handlers.steps import (
    _active,
    _copy_line,
    _currency,
    _customer,
    _document,
    _priced_items,
    _products_of,
    _rate,
    _today,
)
from domain.sales.model import (
    DocumentKind,
    DocumentStatus,
    SalesDocument,
    format_number,
)
from domain.sales.ports import SalesUnitOfWork
from domain.shared.clock import utcnow
from domain.shared.errors import (
    DomainError,
    ErrorCode,
    ValidationErrors,
)
from domain.shared.events import EventOrigin


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
