from __future__ import annotations

import strawberry

from domain.purchasing import handlers
from domain.purchasing.commands import IssueSupplierCredit
from domain.purchasing.model import CreditLineInput
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.purchasing.types import (
    IssueSupplierCreditInput,
    SupplierCredit,
    SupplierCreditError,
    SupplierCreditPayload,
)


async def issue_supplier_credit(
    info: strawberry.Info, input: IssueSupplierCreditInput
) -> SupplierCreditPayload:
    try:
        command = IssueSupplierCredit(
            bill_id=parse_id(input.bill_id, "billId", "bill"),
            credit_date=input.credit_date,
            reason=input.reason,
            lines=tuple(
                CreditLineInput(
                    bill_line_id=parse_id(line.bill_line_id, f"lines.{i}.billLineId", "bill line"),
                    quantity=line.quantity,
                    return_stock=line.return_stock,
                )
                for i, line in enumerate(input.lines)
            ),
        )
        credit = await run_command(info, handlers.issue_supplier_credit, command)
    except DomainError as exc:
        return SupplierCreditPayload(
            credit=None, errors=SupplierCreditError.from_domain(exc.errors)
        )
    return SupplierCreditPayload(credit=SupplierCredit.of(credit), errors=[])
