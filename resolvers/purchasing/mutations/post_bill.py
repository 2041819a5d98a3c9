from __future__ import annotations

import strawberry

from domain.purchasing import handlers
from domain.purchasing.commands import PostBill
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.purchasing.types import Bill, BillError, BillPayload, PostBillInput, business_today


async def post_bill(info: strawberry.Info, input: PostBillInput) -> BillPayload:
    try:
        command = PostBill(bill_id=parse_id(input.id, "id", "bill"))
        bill = await run_command(info, handlers.post_bill, command)
    except DomainError as exc:
        return BillPayload(bill=None, errors=BillError.from_domain(exc.errors))
    return BillPayload(bill=Bill.of(bill, business_today(info)), errors=[])
