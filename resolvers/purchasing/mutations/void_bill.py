from __future__ import annotations

import strawberry

from domain.purchasing import handlers
from domain.purchasing.commands import VoidBill
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.purchasing.types import Bill, BillError, BillPayload, VoidBillInput, business_today


async def void_bill(info: strawberry.Info, input: VoidBillInput) -> BillPayload:
    try:
        bill = await run_command(
            info, handlers.void_bill, VoidBill(bill_id=parse_id(input.id, "id", "bill"))
        )
    except DomainError as exc:
        return BillPayload(bill=None, errors=BillError.from_domain(exc.errors))
    return BillPayload(bill=Bill.of(bill, business_today(info)), errors=[])
