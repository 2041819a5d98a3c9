from __future__ import annotations

import strawberry

from domain.sales import handlers
from domain.sales.commands import ReceivePayment
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from resolvers.sales.mutations.common import allocations, tenant_today
from schema.sales.types import CustomerPayment, PaymentError, PaymentPayload, ReceivePaymentInput


async def receive_payment(info: strawberry.Info, input: ReceivePaymentInput) -> PaymentPayload:
    try:
        command = ReceivePayment(
            customer_id=parse_id(input.customer_id, "customerId", "customer"),
            amount=input.amount,
            bank_account_id=parse_id(input.bank_account_id, "bankAccountId", "account"),
            allocations=allocations(input.allocations),
            payment_date=input.payment_date or tenant_today(info),
            currency_code=input.currency_code,
            reference=input.reference,
            notes=input.notes,
            idempotency_key=input.idempotency_key,
        )
        payment = await run_command(info, handlers.receive_payment, command)
    except DomainError as exc:
        return PaymentPayload(payment=None, errors=PaymentError.from_domain(exc.errors))
    return PaymentPayload(payment=CustomerPayment.of(payment), errors=[])
