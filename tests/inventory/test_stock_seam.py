"""The stock seam other contexts call inside their own unit of work: receipts and issues move
stock and book one journal entry per call; bad lines are refused with typed errors naming the
caller's field paths, and nothing is written."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain.inventory.model import CostMethod
from domain.inventory.stock import (
    CommitmentChange,
    IssueLine,
    ReceiptLine,
    change_commitments_many_within,
    change_commitments_within,
    issue_within,
    lock_stock_within,
    receive_within,
)
from domain.shared.errors import DomainError
from tests.accounting.api import Books
from tests.conftest import GraphQLClient, LiveServer, TenantHandle
from tests.inventory.support import Stockroom

pytestmark = pytest.mark.asyncio(loop_scope="session")
DAY = date(2026, 3, 10)


async def open_stockroom(
    gql: GraphQLClient, live_server: LiveServer, tenant: TenantHandle
) -> tuple[Books, Stockroom]:
    books = await Books.open(gql, tenant)
    return books, Stockroom(live_server, tenant, books.company_id)


async def test_receive_then_issue_moves_stock_and_books_inventory_against_grni_and_cogs(
    gql: GraphQLClient, live_server: LiveServer, tenant: TenantHandle
) -> None:
    _, room = await open_stockroom(gql, live_server, tenant)
    product = await room.product(method=CostMethod.FIFO)
    service = await room.product(is_stocked=False)
    store = await room.warehouse()
    receipt_ref = uuid.uuid4()

    received = await room.within(
        lambda uow, origin: receive_within(
            uow,
            origin,
            company_id=room.company_id,
            occurred_on=DAY,
            reason="PO-1 received",
            reference_type="GoodsReceipt",
            reference_id=receipt_ref,
            lines=[
                ReceiptLine(product.id, store.id, Decimal("10"), Decimal("2.50")),
                ReceiptLine(product.id, store.id, Decimal("5"), Decimal("3.10")),
                ReceiptLine(service.id, store.id, Decimal("1"), Decimal("99")),
            ],
        )
    )
    assert [m.value for m in received] == [Decimal("25.0000"), Decimal("15.5000"), 0]
    assert received[2].movement_id is None and received[0].movement_id is not None
    assert await room.account_balance("1300") == Decimal("40.5")
    assert await room.account_balance("2120") == Decimal("-40.5")
    # one entry for the call, referencing the caller's document
    entries = await room.rows(
        "SELECT DISTINCT transaction_id FROM {s}.stock_movements WHERE reference_id = :r",
        r=receipt_ref,
    )
    assert len(entries) == 1 and entries[0][0] is not None

    issued = await room.within(
        lambda uow, origin: issue_within(
            uow,
            origin,
            company_id=room.company_id,
            occurred_on=DAY,
            reason="INV-1",
            reference_type="SalesInvoice",
            reference_id=uuid.uuid4(),
            lines=[
                IssueLine(product.id, store.id, Decimal("12")),
                IssueLine(service.id, store.id, Decimal("3")),
            ],
        )
    )
    # FIFO: 10 @ 2.50 + 2 @ 3.10
    assert issued[0].value == Decimal("31.2000") and issued[0].quantity == Decimal("12")
    assert issued[1].value == 0 and issued[1].movement_id is None
    assert await room.account_balance("5110") == Decimal("31.2")
    level = await room.level(product.id, store.id)
    assert level["on_hand"] == Decimal("3") and level["value"] == Decimal("9.3")
    assert await room.stock_value() == await room.account_balance("1300") == Decimal("9.3")
    events = await room.rows(
        "SELECT count(*) FROM {s}.outbox WHERE event_type = 'StockLevelChanged'"
    )
    assert events[0][0] == 3  # one per movement of a stocked product


async def test_counter_account_can_be_given_by_the_caller(
    gql: GraphQLClient, live_server: LiveServer, tenant: TenantHandle
) -> None:
    books, room = await open_stockroom(gql, live_server, tenant)
    product = await room.product(method=CostMethod.MOVING_AVERAGE)
    store = await room.warehouse()
    purchases = uuid.UUID(books.id("5100"))
    await room.within(
        lambda uow, origin: receive_within(
            uow,
            origin,
            company_id=room.company_id,
            occurred_on=DAY,
            reason="direct purchase",
            reference_type="Bill",
            reference_id=uuid.uuid4(),
            lines=[
                ReceiptLine(product.id, store.id, Decimal("3"), Decimal("1.0001")),
                # a cost converted from another currency: the line's value is rounded
                ReceiptLine(product.id, store.id, Decimal("3"), Decimal("0.333333333")),
            ],
            counter_account_id=purchases,
        )
    )
    assert await room.account_balance("5100") == Decimal("-4.0003")  # 3.0003 + 1.0000
    assert await room.account_balance("2120") == 0


async def test_bad_lines_are_refused_with_the_callers_field_paths_and_nothing_is_written(
    gql: GraphQLClient,
    live_server: LiveServer,
    tenant: TenantHandle,
) -> None:
    books, room = await open_stockroom(gql, live_server, tenant)
    other_books = await Books.open(gql, tenant)  # another company of the same tenant
    other_room = Stockroom(live_server, tenant, other_books.company_id)
    product = await room.product()
    inactive = await room.product()
    store = await room.warehouse()
    foreign_product = await other_room.product()
    foreign_store = await other_room.warehouse()
    await room.within(lambda uow, origin: _deactivate(uow, inactive.id))

    async def issue(lines: list[IssueLine]) -> DomainError:
        with pytest.raises(DomainError) as caught:
            await room.within(
                lambda uow, origin: issue_within(
                    uow,
                    origin,
                    company_id=room.company_id,
                    occurred_on=DAY,
                    reason="order",
                    reference_type="SalesInvoice",
                    reference_id=uuid.uuid4(),
                    lines=lines,
                    field_prefix="items",
                )
            )
        return caught.value

    failed = await issue(
        [
            IssueLine(foreign_product.id, store.id, Decimal("1")),
            IssueLine(product.id, foreign_store.id, Decimal("1")),
            IssueLine(uuid.uuid4(), store.id, Decimal("1")),
            IssueLine(inactive.id, store.id, Decimal("1")),
        ]
    )
    assert {(e.code.value, e.field) for e in failed.errors} == {
        ("NOT_FOUND", "items.0.productId"),
        ("NOT_FOUND", "items.1.warehouseId"),
        ("NOT_FOUND", "items.2.productId"),
        ("INVALID", "items.3.productId"),
    }
    failed = await issue(
        [
            IssueLine(product.id, store.id, Decimal("0")),
            IssueLine(product.id, store.id, Decimal("1.00001")),
        ]
    )
    assert [e.field for e in failed.errors] == ["items.0.quantity", "items.1.quantity"]
    failed = await issue([IssueLine(product.id, store.id, Decimal("1"))])  # nothing on hand
    assert [(e.code.value, e.field) for e in failed.errors] == [("INVALID", "items.0.quantity")]
    with pytest.raises(DomainError) as caught:
        await room.within(
            lambda uow, origin: receive_within(
                uow,
                origin,
                company_id=room.company_id,
                occurred_on=DAY,
                reason="return",
                reference_type="GoodsReceipt",
                reference_id=uuid.uuid4(),
                lines=[ReceiptLine(product.id, store.id, Decimal("-2"), Decimal("-1"))],
            )
        )
    assert [e.field for e in caught.value.errors] == ["lines.0.quantity", "lines.0.unitCost"]
    assert await room.scalar("SELECT count(*) FROM {s}.stock_movements") == 0
    assert (
        await room.scalar("SELECT count(*) FROM {s}.outbox WHERE event_type = 'StockLevelChanged'")
        == 0
    )
    del books


async def _deactivate(uow: object, product_id: uuid.UUID) -> None:
    from sqlalchemy import update

    from db.tables.inventory import products

    await uow.connection.execute(  # type: ignore[attr-defined]
        update(products).where(products.c.id == product_id).values(is_active=False)
    )


async def test_commitments_reserve_and_expect_without_moving_stock(
    gql: GraphQLClient, live_server: LiveServer, tenant: TenantHandle
) -> None:
    _, room = await open_stockroom(gql, live_server, tenant)
    product = await room.product()
    store = await room.warehouse()

    async def commit(reserved: str, incoming: str) -> None:
        await room.within(
            lambda uow, origin: change_commitments_within(
                uow,
                company_id=room.company_id,
                product_id=product.id,
                warehouse_id=store.id,
                reserved_delta=Decimal(reserved),
                incoming_delta=Decimal(incoming),
            )
        )

    await commit("4", "10")
    await commit("-1", "-3")
    level = await room.level(product.id, store.id)
    assert (level["on_hand"], level["reserved"], level["incoming"]) == (0, 3, 7)
    assert await room.scalar("SELECT count(*) FROM {s}.stock_movements") == 0


async def test_commands_that_lock_first_never_deadlock_whatever_their_line_order(
    gql: GraphQLClient, live_server: LiveServer, make_tenant: Any
) -> None:
    """Orders reserving the same products in opposite line orders, concurrently: each takes
    every lock up front (lock_stock_within), so none waits on another in a cycle."""
    tenant = await make_tenant("locks", plan="enterprise")
    _, room = await open_stockroom(gql, live_server, tenant)
    first, second = await room.product(), await room.product()
    service = await room.product(is_stocked=False)
    store = await room.warehouse()

    async def order(lines: list[uuid.UUID]) -> None:
        async def work(uow: Any, origin: Any) -> None:
            await lock_stock_within(
                uow, company_id=room.company_id, keys=[(p, store.id) for p in lines]
            )
            for product_id in lines:
                await change_commitments_within(
                    uow,
                    company_id=room.company_id,
                    product_id=product_id,
                    warehouse_id=store.id,
                    reserved_delta=Decimal("1"),
                )
                await asyncio.sleep(0)  # let the other orders interleave

        await room.within(work)

    await asyncio.gather(
        *(
            order([first.id, second.id, service.id] if i % 2 else [service.id, second.id, first.id])
            for i in range(40)
        )
    )
    for product in (first, second):
        assert (await room.level(product.id, store.id))["reserved"] == 40
    assert (
        await room.scalar(
            "SELECT count(*) FROM {s}.stock_levels WHERE product_id = :p", p=service.id
        )
        == 0
    )

    await room.within(
        lambda uow, origin: change_commitments_many_within(
            uow,
            company_id=room.company_id,
            changes=[
                CommitmentChange(second.id, store.id, reserved_delta=Decimal("-50")),
                CommitmentChange(first.id, store.id, incoming_delta=Decimal("12")),
            ],
        )
    )
    assert (await room.level(second.id, store.id))["reserved"] == 0  # never below zero
    assert (await room.level(first.id, store.id))["incoming"] == 12
    with pytest.raises(DomainError) as caught:
        await room.within(
            lambda uow, origin: change_commitments_many_within(
                uow,
                company_id=room.company_id,
                changes=[CommitmentChange(uuid.uuid4(), store.id, reserved_delta=Decimal("1"))],
            )
        )
    assert [e.field for e in caught.value.errors] == ["lines.0.productId"]
