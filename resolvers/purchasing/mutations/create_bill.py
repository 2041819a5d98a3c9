from __future__ import annotations

import strawberry

from domain.purchasing import handlers
from domain.purchasing.commands import CreateBill
from domain.purchasing.model import BillLineInput
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.purchasing.types import (
    Bill,
    BillError,
    BillPayload,
    CreateBillInput,
    business_today,
)


async def create_bill(info: strawberry.Info, input: CreateBillInput) -> BillPayload:
    try:
        command = CreateBill(
            company_id=parse_id(input.company_id, "companyId", "company"),
            supplier_id=parse_id(input.supplier_id, "supplierId", "supplier"),
            bill_date=input.bill_date,
            due_date=input.due_date,
            supplier_reference=input.supplier_reference,
            notes=input.notes,
            post=input.post,
            lines=tuple(
                BillLineInput(
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    receipt_line_id=(
                        parse_id(line.receipt_line_id, f"lines.{i}.receiptLineId", "receipt line")
                        if line.receipt_line_id is not None
                        else None
                    ),
                    account_id=(
                        parse_id(line.account_id, f"lines.{i}.accountId", "account")
                        if line.account_id is not None
                        else None
                    ),
                    product_id=(
                        parse_id(line.product_id, f"lines.{i}.productId", "product")
                        if line.product_id is not None
                        else None
                    ),
                    description=line.description,
                    tax_code=line.tax_code,
                )
                for i, line in enumerate(input.lines)
            ),
        )
        bill = await run_command(info, handlers.create_bill, command)
    except DomainError as exc:
        return BillPayload(bill=None, errors=BillError.from_domain(exc.errors))
    return BillPayload(bill=Bill.of(bill, business_today(info)), errors=[])
