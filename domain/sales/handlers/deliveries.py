"""Sales handlers: delivering an order's goods (stock issued FIFO with its cost entry)."""

from __future__ import annotations

from decimal import Decimal

from domain.accounting.handlers import company_currency
from domain.identity.access import AccessGrants
from domain.inventory.stock import (
    change_commitments_within,
)
from domain.sales.commands import (
    CreateDelivery,
)
from domain.sales.handlers.steps import (
    _copy_line,
    _customer,
    _document,
    _issue_stock,
    _products_of,
    _today,
)
from domain.sales.model import (
    DocumentKind,
    DocumentStatus,
    SalesDocument,
    SalesLine,
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
