from __future__ import annotations

import strawberry

from domain.sales import handlers
from domain.sales.commands import AllocatePayment
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from resolvers.sales.mutations.common import allocations, tenant_today
from schema.sales.types import AllocatePaymentInput, CustomerPayment, PaymentError, PaymentPayload


async def allocate_payment(info: strawberry.Info, input: AllocatePaymentInput) -> PaymentPayload:
    try:
        command = AllocatePayment(
            payment_id=parse_id(input.payment_id, "paymentId", "payment"),
            allocations=allocations(input.allocations),
            allocation_date=input.allocation_date or tenant_today(info),
        )
        payment = await run_command(info, handlers.allocate_payment, command)
    except DomainError as exc:
        return PaymentPayload(payment=None, errors=PaymentError.from_domain(exc.errors))
    return PaymentPayload(payment=CustomerPayment.of(payment), errors=[])
