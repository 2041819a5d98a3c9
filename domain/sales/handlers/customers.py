"""Sales handlers: creating and updating customers."""

from __future__ import annotations

from domain.accounting.handlers import company_currency
from domain.identity.access import AccessGrants, RecordFacts
from domain.sales.commands import (
    CreateCustomer,
    UpdateCustomer,
)
from domain.sales.handlers.steps import _customer
from domain.sales.model import (
    Customer,
)
from domain.sales.ports import SalesUnitOfWork
from domain.shared.clock import utcnow
from domain.shared.errors import (
    DomainError,
    ErrorCode,
    NotFound,
)
from domain.shared.events import EventOrigin


def _duplicate_code(code: str) -> DomainError:
    return DomainError.single(
        ErrorCode.DUPLICATE, f"The company already has a customer with code '{code}'.", "code"
    )


async def create_customer(
    cmd: CreateCustomer, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Customer:
    if not grants.can_enter(cmd.company_id):
        raise NotFound("Company", "companyId")
    grants.check("customer", "create", company_id=cmd.company_id)
    async with uow:
        currency = await company_currency(uow, cmd.company_id)
        values = dict(cmd.values)
        values.setdefault("currency_code", currency)
        if values.get("currency_code") is None:
            values["currency_code"] = currency
        customer = Customer.create(
            company_id=cmd.company_id, values=values, actor=origin.user_id, now=utcnow()
        )
        if not await uow.customers.add(customer):
            raise _duplicate_code(customer.code)
        uow.record(customer.events)
        await uow.commit()
    return customer


async def update_customer(
    cmd: UpdateCustomer, uow: SalesUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Customer:
    async with uow:
        customer = await _customer(uow, grants, cmd.customer_id, field="id", for_update=True)
        grants.check(
            "customer",
            "update",
            company_id=customer.company_id,
            facts=RecordFacts(owner_id=customer.created_by),
        )
        previous = customer.version
        customer.update(
            expected_version=cmd.expected_version,
            changes=cmd.changes,
            actor=origin.user_id,
            now=utcnow(),
        )
        if customer.version != previous:
            if not await uow.customers.save(customer, previous_version=previous):
                raise _duplicate_code(customer.code)
            uow.record(customer.events)
            await uow.commit()
    return customer
