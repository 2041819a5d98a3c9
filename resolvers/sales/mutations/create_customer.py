from __future__ import annotations

import dataclasses

import strawberry

from domain.sales import handlers
from domain.sales.commands import CreateCustomer
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.sales.types import CreateCustomerInput, Customer, CustomerError, CustomerPayload


async def create_customer(info: strawberry.Info, input: CreateCustomerInput) -> CustomerPayload:
    try:
        command = CreateCustomer(
            company_id=parse_id(input.company_id, "companyId", "company"),
            values={
                "code": input.code,
                "name": input.name,
                "tax_id": input.tax_id,
                "registration_number": input.registration_number,
                "email": input.email,
                "phone": input.phone,
                "addresses": [dataclasses.asdict(a) for a in input.addresses or []],
                "contacts": [dataclasses.asdict(c) for c in input.contacts or []],
                "currency_code": input.currency_code,
                "payment_terms_days": input.payment_terms_days,
                "credit_limit": input.credit_limit,
            },
        )
        customer = await run_command(info, handlers.create_customer, command)
    except DomainError as exc:
        return CustomerPayload(customer=None, errors=CustomerError.from_domain(exc.errors))
    return CustomerPayload(customer=Customer.of(customer), errors=[])
