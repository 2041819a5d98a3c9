from __future__ import annotations

import strawberry

from domain.purchasing import handlers
from domain.purchasing.commands import CreateSupplier
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from resolvers.purchasing.mutations.inputs import addresses, contacts
from schema.purchasing.types import (
    CreateSupplierInput,
    Supplier,
    SupplierBalance,
    SupplierError,
    SupplierPayload,
)


async def create_supplier(info: strawberry.Info, input: CreateSupplierInput) -> SupplierPayload:
    try:
        values = {
            "code": input.code,
            "name": input.name,
            "tax_id": input.tax_id,
            "registration_number": input.registration_number,
            "addresses": addresses(input.addresses),
            "contacts": contacts(input.contacts),
            "payment_terms_days": input.payment_terms_days,
            "credit_limit": input.credit_limit,
        }
        if input.currency_code is not None:
            values["currency_code"] = input.currency_code
        command = CreateSupplier(
            company_id=parse_id(input.company_id, "companyId", "company"), values=values
        )
        supplier = await run_command(info, handlers.create_supplier, command)
    except DomainError as exc:
        return SupplierPayload(supplier=None, errors=SupplierError.from_domain(exc.errors))
    balance = SupplierBalance.zero(supplier.currency_code)  # a new supplier owes nothing
    return SupplierPayload(supplier=Supplier.of(supplier, balance), errors=[])
