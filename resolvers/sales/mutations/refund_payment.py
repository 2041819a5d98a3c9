from __future__ import annotations

import strawberry

from domain.sales import handlers
from domain.sales.commands import RefundPayment
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from resolvers.sales.mutations.common import tenant_today
from schema.sales.types import CustomerPayment, PaymentError, PaymentPayload, RefundPaymentInput


async def refund_payment(info: strawberry.Info, input: RefundPaymentInput) -> PaymentPayload:
    try:
        command = RefundPayment(
            payment_id=parse_id(input.payment_id, "paymentId", "payment"),
            amount=input.amount,
            bank_account_id=parse_id(input.bank_account_id, "bankAccountId", "account")
            if input.bank_account_id is not None
            else None,
            refund_date=input.refund_date or tenant_today(info),
            reference=input.reference,
        )
        refund = await run_command(info, handlers.refund_payment, command)
    except DomainError as exc:
        return PaymentPayload(payment=None, errors=PaymentError.from_domain(exc.errors))
    return PaymentPayload(payment=CustomerPayment.of(refund), errors=[])
