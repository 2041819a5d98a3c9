from __future__ import annotations

import strawberry

from domain.purchasing import handlers
from domain.purchasing.commands import MakeSupplierPayment
from domain.purchasing.model import AllocationInput
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.purchasing.types import (
    MakeSupplierPaymentInput,
    SupplierPayment,
    SupplierPaymentError,
    SupplierPaymentPayload,
)


async def make_supplier_payment(
    info: strawberry.Info, input: MakeSupplierPaymentInput
) -> SupplierPaymentPayload:
    try:
        command = MakeSupplierPayment(
            company_id=parse_id(input.company_id, "companyId", "company"),
            supplier_id=parse_id(input.supplier_id, "supplierId", "supplier"),
            payment_date=input.payment_date,
            amount=input.amount,
            bank_account_id=(
                parse_id(input.bank_account_id, "bankAccountId", "account")
                if input.bank_account_id is not None
                else None
            ),
            reference=input.reference,
            idempotency_key=input.idempotency_key,
            allocations=tuple(
                AllocationInput(
                    bill_id=parse_id(a.bill_id, f"allocations.{i}.billId", "bill"),
                    amount=a.amount,
                )
                for i, a in enumerate(input.allocations)
            ),
        )
        payment = await run_command(info, handlers.make_supplier_payment, command)
    except DomainError as exc:
        return SupplierPaymentPayload(
            payment=None, errors=SupplierPaymentError.from_domain(exc.errors)
        )
    return SupplierPaymentPayload(payment=SupplierPayment.of(payment), errors=[])
