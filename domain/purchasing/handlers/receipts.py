"""Purchasing handlers: goods received against a purchase order (stock in, GRNI entry)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from domain.identity.access import AccessGrants
from domain.inventory.stock import ReceiptLine as StockReceipt
from domain.inventory.stock import (
    change_commitments_within,
    receive_within,
)
from domain.purchasing.commands import (
    ReceiveGoods,
)
from domain.purchasing.handlers.orders import _check_warehouse
from domain.purchasing.handlers.steps import RECEIPT_REFERENCE, _rate, resolve_accounts
from domain.purchasing.model import (
    GoodsReceipt,
)
from domain.purchasing.ports import PurchasingUnitOfWork
from domain.shared.clock import utcnow
from domain.shared.errors import NotFound
from domain.shared.events import EventOrigin


async def receive_goods(
    cmd: ReceiveGoods, uow: PurchasingUnitOfWork, origin: EventOrigin, grants: AccessGrants
) -> GoodsReceipt:
    async with uow:
        order = await uow.purchasing.order(cmd.order_id, for_update=True)
        if order is None or not grants.can_enter(order.company_id):
            raise NotFound("Purchase order", "purchaseOrderId")
        grants.check("purchase", "create", company_id=order.company_id)
        warehouse_id = cmd.warehouse_id or order.warehouse_id
        if warehouse_id != order.warehouse_id:
            await _check_warehouse(uow, warehouse_id, order.company_id)
        rate = await _rate(
            uow, order.company_id, order.currency_code, cmd.receipt_date, "receiptDate"
        )
        accounts = await resolve_accounts(uow, order.company_id)
        now = utcnow()
        outstanding_before = {line.id: line.outstanding for line in order.lines}
        number = await uow.purchasing.next_number(order.company_id, "GRN")
        receipt = GoodsReceipt.create(
            order=order,
            number=f"GRN-{number:06d}",
            receipt_date=cmd.receipt_date,
            exchange_rate=rate,
            warehouse_id=warehouse_id,
            notes=cmd.notes,
            lines=cmd.lines,
            actor=origin.user_id,
            now=now,
        )
        await uow.purchasing.save_order(order)
        # What was expected at the order's warehouse is no longer incoming.
        no_longer_expected: dict[uuid.UUID, Decimal] = {}
        for line in receipt.lines:
            taken = min(line.quantity, max(outstanding_before[line.order_line_id], Decimal(0)))
            no_longer_expected[line.product_id] = (
                no_longer_expected.get(line.product_id, Decimal(0)) + taken
            )
        products = await uow.products.get_many(set(no_longer_expected))
        for product_id in sorted(no_longer_expected):
            if products[product_id].is_stocked:
                await change_commitments_within(
                    uow,
                    company_id=order.company_id,
                    product_id=product_id,
                    warehouse_id=order.warehouse_id,
                    incoming_delta=-no_longer_expected[product_id],
                )
        moved = await receive_within(
            uow,
            origin,
            company_id=order.company_id,
            occurred_on=cmd.receipt_date,
            reason=f"Goods receipt {receipt.number} (PO {order.number})",
            reference_type=RECEIPT_REFERENCE,
            reference_id=receipt.id,
            lines=[
                StockReceipt(
                    product_id=line.product_id,
                    warehouse_id=line.warehouse_id,
                    quantity=line.quantity,
                    unit_cost=line.unit_cost,
                )
                for line in receipt.lines
            ],
            counter_account_id=accounts.goods_received,
            date_field="receiptDate",
        )
        for line, movement in zip(receipt.lines, moved, strict=True):
            line.value = movement.value  # what stock (and GRNI) booked; 0 for a service
        await uow.purchasing.add_receipt(receipt)
        receipt.record_received(now)
        uow.record(order.events)
        uow.record(receipt.events)
        await uow.commit()
    return receipt
