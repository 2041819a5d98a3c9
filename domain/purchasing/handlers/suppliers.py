"""Purchasing handlers: creating and updating suppliers."""

from __future__ import annotations

from domain.accounting.handlers import company_currency
from domain.identity.access import AccessGrants, RecordFacts
from domain.purchasing.commands import (
    CreateSupplier,
    UpdateSupplier,
)
from domain.purchasing.handlers.steps import _enter
from domain.purchasing.model import (
    Supplier,
)
from domain.purchasing.ports import PurchasingUnitOfWork
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError, ErrorCode, NotFound
from domain.shared.events import EventOrigin


async def create_supplier(
    cmd: CreateSupplier, uow: PurchasingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Supplier:
    _enter(grants, cmd.company_id)
    grants.check("supplier", "create", company_id=cmd.company_id)
    async with uow:
        base = await company_currency(uow, cmd.company_id)
        values = dict(cmd.values)
        values.setdefault("currency_code", base)
        supplier = Supplier.create(
            company_id=cmd.company_id, values=values, actor=origin.user_id, now=utcnow()
        )
        if await uow.suppliers.code_taken(cmd.company_id, supplier.code):
            raise DomainError.single(
                ErrorCode.DUPLICATE, f"Supplier code {supplier.code} is taken.", "code"
            )
        await uow.suppliers.add(supplier)
        uow.record(supplier.events)
        await uow.commit()
    return supplier


async def update_supplier(
    cmd: UpdateSupplier, uow: PurchasingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> Supplier:
    async with uow:
        supplier = await uow.suppliers.get(cmd.supplier_id, for_update=True)
        if supplier is None or not grants.can_enter(supplier.company_id):
            raise NotFound("Supplier")
        grants.check(
            "supplier",
            "update",
            company_id=supplier.company_id,
            facts=RecordFacts(owner_id=supplier.created_by),
        )
        previous_version = supplier.version
        supplier.update(
            expected_version=cmd.expected_version,
            changes=cmd.changes,
            has_documents="currency_code" in cmd.changes
            and await uow.suppliers.has_documents(supplier.id),
            actor=origin.user_id,
            now=utcnow(),
        )
        if supplier.version == previous_version:
            return supplier
        if "code" in cmd.changes and await uow.suppliers.code_taken(
            supplier.company_id, supplier.code, other_than=supplier.id
        ):
            raise DomainError.single(
                ErrorCode.DUPLICATE, f"Supplier code {supplier.code} is taken.", "code"
            )
        await uow.suppliers.save(supplier, previous_version=previous_version)
        uow.record(supplier.events)
        await uow.commit()
    return supplier
