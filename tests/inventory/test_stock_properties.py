"""Property: whatever sequence of receipts, issues and adjustments users send — in any date
order, good or bad — stock stays consistent (real handlers, real database):

- on hand = the sum of the movements' quantities, per product and warehouse;
- a FIFO product's value = the sum of its remaining layers (and their quantities = on hand);
- the per-day read model sums to the levels; stock value = the inventory account's balance;
- every stored movement value = what a fresh replay of the whole history gives;
- a movement is refused exactly when it would take stock below zero at some point of its
  history (unless the product allows negative stock), and a refused one writes nothing.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.inventory import handlers
from domain.inventory.commands import AdjustStock, TransferStock
from domain.inventory.model import CostMethod, Product
from domain.inventory.stock import IssueLine, ReceiptLine, issue_within, receive_within
from domain.inventory.valuation import HistoryItem, replay
from domain.shared.errors import DomainError
from tests.accounting.api import Books
from tests.conftest import GraphQLClient, LiveServer
from tests.inventory.support import Stockroom

quantities = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("60"), places=2)
costs = st.decimals(min_value=Decimal("0"), max_value=Decimal("99.9999"), places=4)
days = st.integers(1, 28).map(lambda d: date(2026, 5, d))
where = st.integers(0, 1)
receive = st.tuples(st.just("receive"), where, quantities, costs, days)
issue = st.tuples(st.just("issue"), where, quantities, days)
adjust = st.tuples(st.just("adjust"), where, quantities, st.booleans(), days)
transfer = st.tuples(st.just("transfer"), where, quantities, days)  # from `where` to the other
operations = st.lists(st.one_of(receive, issue, issue, adjust, transfer), min_size=1, max_size=10)


class Scenario:
    def __init__(self, room: Stockroom, warehouses: list[uuid.UUID]) -> None:
        self.room, self.warehouses = room, warehouses


@pytest.fixture(scope="module")
async def scenario(gql: GraphQLClient, live_server: LiveServer, make_tenant: Any) -> Scenario:
    """One tenant and company for every example; each example moves a product of its own."""
    tenant = await make_tenant("invprop", plan="enterprise")
    books = await Books.open(gql, tenant)
    room = Stockroom(live_server, tenant, books.company_id)
    stores = [(await room.warehouse()).id for _ in range(2)]
    return Scenario(room, stores)


def _would_go_negative(history: list[tuple[date, int, Decimal]]) -> bool:
    """(day, order, signed quantity) in insertion order -> does any outbound step end < 0?"""
    on_hand = Decimal(0)
    for _, _, quantity in sorted(history, key=lambda h: (h[0], h[1])):
        on_hand += quantity
        if quantity < 0 and on_hand < 0:
            return True
    return False


async def _apply(
    scenario: Scenario, product: Product, op: tuple[Any, ...], history: dict[int, list[Any]]
) -> None:
    room = scenario.room
    kind, index = op[0], op[1]
    store = scenario.warehouses[index]
    day: date = op[-1]
    if kind == "receive":
        signed = op[2]
    elif kind in ("issue", "transfer"):
        signed = -op[2]
    else:
        signed = op[2] if op[3] else -op[2]
    order = sum(len(h) for h in history.values())
    candidate = [*history[index], (day, order, signed)]
    refused = not product.allow_negative_stock and _would_go_negative(candidate)
    before = await room.scalar("SELECT count(*) FROM {s}.stock_movements")
    try:
        if kind == "receive":
            await room.within(
                lambda uow, origin: receive_within(
                    uow,
                    origin,
                    company_id=room.company_id,
                    occurred_on=day,
                    reason="receipt",
                    reference_type="GoodsReceipt",
                    reference_id=uuid.uuid4(),
                    lines=[ReceiptLine(product.id, store, op[2], op[3])],
                )
            )
        elif kind == "issue":
            await room.within(
                lambda uow, origin: issue_within(
                    uow,
                    origin,
                    company_id=room.company_id,
                    occurred_on=day,
                    reason="sale",
                    reference_type="SalesInvoice",
                    reference_id=uuid.uuid4(),
                    lines=[IssueLine(product.id, store, op[2])],
                )
            )
        elif kind == "transfer":
            await room.run(
                handlers.transfer_stock,
                TransferStock(
                    company_id=room.company_id,
                    product_id=product.id,
                    from_warehouse_id=store,
                    to_warehouse_id=scenario.warehouses[1 - index],
                    quantity=op[2],
                    reason="rebalance",
                    occurred_on=day,
                ),
            )
        else:
            await room.run(
                handlers.adjust_stock,
                AdjustStock(
                    company_id=room.company_id,
                    product_id=product.id,
                    warehouse_id=store,
                    reason="count",
                    delta=signed,
                    occurred_on=day,
                ),
            )
    except DomainError as exc:
        assert refused, (op, exc.errors)
        assert {e.field for e in exc.errors} <= {"lines.0.quantity", "quantity"}
        assert await room.scalar("SELECT count(*) FROM {s}.stock_movements") == before
        return
    assert not refused, op
    history[index].append((day, order, signed))
    if kind == "transfer":
        history[1 - index].append((day, order, op[2]))


async def _check(scenario: Scenario, product: Product) -> None:
    room = scenario.room
    for store in scenario.warehouses:
        level = await room.level(product.id, store)
        moves = await room.rows(
            "SELECT id, seq, occurred_on, quantity, nominal_value, value FROM {s}.stock_movements"
            " WHERE product_id = :p AND warehouse_id = :w ORDER BY occurred_on, seq",
            p=product.id,
            w=store,
        )
        assert level["on_hand"] == sum((m.quantity for m in moves), Decimal(0))
        daily = await room.rows(
            "SELECT COALESCE(sum(quantity), 0), COALESCE(sum(value), 0) FROM {s}.stock_daily"
            " WHERE product_id = :p AND warehouse_id = :w",
            p=product.id,
            w=store,
        )
        assert (daily[0][0], daily[0][1]) == (level["on_hand"], level["value"])
        results, state = replay(
            product.cost_method,
            [
                HistoryItem(m.id, m.seq, m.occurred_on, m.quantity, m.nominal_value, m.value)
                for m in moves
            ],
        )
        assert [r.value for r in results] == [m.value for m in moves]
        assert state.value == level["value"]
        if product.cost_method is CostMethod.FIFO:
            layers = await room.rows(
                "SELECT COALESCE(sum(quantity), 0), COALESCE(sum(value), 0) FROM {s}.stock_layers"
                " WHERE product_id = :p AND warehouse_id = :w",
                p=product.id,
                w=store,
            )
            assert (layers[0][0], layers[0][1]) == (level["on_hand"], level["value"])
    assert await room.stock_value() == await room.account_balance("1300")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    ops=operations,
    method=st.sampled_from(list(CostMethod)),
    allow_negative=st.sampled_from((False, False, True)),
)
async def test_random_movement_sequences_keep_stock_consistent(
    scenario: Scenario, ops: list[tuple[Any, ...]], method: CostMethod, allow_negative: bool
) -> None:
    product = await scenario.room.product(method=method, allow_negative_stock=allow_negative)
    history: dict[int, list[Any]] = {0: [], 1: []}
    for op in ops:
        await _apply(scenario, product, op, history)
    await _check(scenario, product)
