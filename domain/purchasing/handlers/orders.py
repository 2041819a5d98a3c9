"""Purchasing handlers: purchase orders — creating and cancelling."""

from __future__ import annotations

import uuid
from decimal import Decimal

from domain.identity.access import AccessGrants, RecordFacts
from domain.inventory.stock import (
    change_commitments_within,
)
from domain.purchasing.commands import (
    CancelPurchaseOrder,
    CreatePurchaseOrder,
)
from domain.purchasing.handlers.steps import _enter, _require_supplier
from domain.purchasing.model import (
    PurchaseOrder,
)
from domain.purchasing.ports import PurchasingUnitOfWork
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError, ErrorCode, NotFound
from domain.shared.events import EventOrigin


async def _check_warehouse(
    uow: PurchasingUnitOfWork, warehouse_id: uuid.UUID, company_id: uuid.UUID
) -> None:
    found = (await uow.warehouses.get_many([warehouse_id])).get(warehouse_id)
    if found is None or found.company_id != company_id:
        raise DomainError.single(ErrorCode.NOT_FOUND, "No such warehouse.", "warehouseId")
    if not found.is_active:
        raise DomainError.single(
            ErrorCode.INVALID_STATE, "The warehouse is inactive.", "warehouseId"
        )


async def create_purchase_order(
    cmd: CreatePurchaseOrder,
    uow: PurchasingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
) -> PurchaseOrder:
    _enter(grants, cmd.company_id)
    grants.check("purchase", "create", company_id=cmd.company_id)
    async with uow:
        supplier = await _require_supplier(uow, cmd.supplier_id, cmd.company_id)
        await _check_warehouse(uow, cmd.warehouse_id, cmd.company_id)
        products = await uow.products.get_many({line.product_id for line in cmd.lines})
        now = utcnow()
        number = await uow.purchasing.next_number(cmd.company_id, "PO")
        order = PurchaseOrder.create(
            supplier=supplier,
            number=f"PO-{number:06d}",
            order_date=cmd.order_date,
            expected_date=cmd.expected_date,
            warehouse_id=cmd.warehouse_id,
            notes=cmd.notes,
            lines=cmd.lines,
            products=products,
            actor=origin.user_id,
            now=now,
        )
        grants.check(
            "purchase",
            "create",
            company_id=cmd.company_id,
            facts=RecordFacts(owner_id=origin.user_id, amount=order.total),
        )
        await uow.purchasing.add_order(order)
        expected: dict[uuid.UUID, Decimal] = {}
        for line in order.lines:
            if products[line.product_id].is_stocked:
                expected[line.product_id] = (
                    expected.get(line.product_id, Decimal(0)) + line.quantity
                )
        for product_id in sorted(expected):  # stock levels in (product, warehouse) order
            await change_commitments_within(
                uow,
                company_id=cmd.company_id,
                product_id=product_id,
                warehouse_id=cmd.warehouse_id,
                incoming_delta=expected[product_id],
            )
        uow.record(order.events)
        await uow.commit()
    return order


async def cancel_purchase_order(
    cmd: CancelPurchaseOrder,
    uow: PurchasingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
) -> PurchaseOrder:
    async with uow:
        order = await uow.purchasing.order(cmd.order_id, for_update=True)
        if order is None or not grants.can_enter(order.company_id):
            raise NotFound("Purchase order")
        grants.check(
            "purchase",
            "create",
            company_id=order.company_id,
            facts=RecordFacts(owner_id=order.created_by, amount=order.total),
        )
        expected = order.cancel(utcnow())
        await uow.purchasing.save_order(order)
        products = await uow.products.get_many(set(expected))
        for product_id in sorted(expected):  # no longer incoming
            if products[product_id].is_stocked:
                await change_commitments_within(
                    uow,
                    company_id=order.company_id,
                    product_id=product_id,
                    warehouse_id=order.warehouse_id,
                    incoming_delta=-expected[product_id],
                )
        uow.record(order.events)
        await uow.commit()
    return order
