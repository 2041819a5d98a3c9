from __future__ import annotations

import strawberry

from domain.purchasing import handlers
from domain.purchasing.commands import ApplySupplierAdvance
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.purchasing.types import (
    ApplySupplierAdvanceInput,
    SupplierPayment,
    SupplierPaymentError,
    SupplierPaymentPayload,
)


async def apply_supplier_advance(
    info: strawberry.Info, input: ApplySupplierAdvanceInput
) -> SupplierPaymentPayload:
    try:
        command = ApplySupplierAdvance(
            bill_id=parse_id(input.bill_id, "billId", "bill"), amount=input.amount, day=input.date
        )
        applied = await run_command(info, handlers.apply_supplier_advance, command)
    except DomainError as exc:
        return SupplierPaymentPayload(
            payment=None, errors=SupplierPaymentError.from_domain(exc.errors)
        )
    return SupplierPaymentPayload(payment=SupplierPayment.of(applied), errors=[])
