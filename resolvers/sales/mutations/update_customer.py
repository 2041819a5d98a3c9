from __future__ import annotations

import dataclasses
from typing import Any

import strawberry

from domain.sales import handlers
from domain.sales.commands import UpdateCustomer
from domain.sales.model import CUSTOMER_FIELDS
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.sales.types import Customer, CustomerError, CustomerPayload, UpdateCustomerInput


async def update_customer(info: strawberry.Info, input: UpdateCustomerInput) -> CustomerPayload:
    try:
        changes: dict[str, Any] = {}
        for attribute in CUSTOMER_FIELDS:
            value = getattr(input, attribute)
            if value is strawberry.UNSET:
                continue
            if attribute in ("addresses", "contacts"):
                value = [dataclasses.asdict(x) for x in value or []]
            changes[attribute] = value
        command = UpdateCustomer(
            customer_id=parse_id(input.id, "id", "customer"),
            expected_version=input.version,
            changes=changes,
        )
        customer = await run_command(info, handlers.update_customer, command)
    except DomainError as exc:
        return CustomerPayload(customer=None, errors=CustomerError.from_domain(exc.errors))
    return CustomerPayload(customer=Customer.of(customer), errors=[])
