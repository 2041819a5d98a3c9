"""The cost engine against hand-computed FIFO and moving-average examples."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal as D

from domain.inventory.model import CostMethod
from domain.inventory.valuation import CostState, HistoryItem, replay

DAY = date(2026, 3, 1)


def _in(state: CostState, quantity: str, value: str, seq: int) -> D:
    return state.inbound(D(quantity), D(value), seq=seq, movement_id=uuid.uuid4(), day=DAY)


def _out(state: CostState, quantity: str, seq: int) -> D:
    return state.outbound(D(quantity), seq=seq, movement_id=uuid.uuid4(), day=DAY)


def test_fifo_issues_the_oldest_layers_first() -> None:
    # receive 100 @ 10.00, 50 @ 12.00, 30 @ 11.50; issue 120, then 40
    state = CostState(CostMethod.FIFO)
    _in(state, "100", "1000", 1)
    _in(state, "50", "600", 2)
    _in(state, "30", "345", 3)
    assert _out(state, "120", 4) == D("-1240")  # 100 * 10 + 20 * 12
    assert _out(state, "40", 5) == D("-475")  # 30 * 12 + 10 * 11.50
    assert state.on_hand == D("20") and state.value == D("230")  # 20 * 11.50
    assert [(layer.quantity, layer.value) for layer in state.layers] == [(D("20"), D("230"))]


def test_fifo_partial_layer_keeps_exact_remainder() -> None:
    # 3 units received for 10.00: issuing 1 takes 3.3333 and leaves 6.6667 for the other two
    state = CostState(CostMethod.FIFO)
    _in(state, "3", "10", 1)
    assert _out(state, "1", 2) == D("-3.3333")
    assert _out(state, "1", 3) == D("-3.3334")  # round(6.6667 * 1/2)
    assert _out(state, "1", 4) == D("-3.3333")  # the last unit takes what is left
    assert state.value == 0 and state.layers == []


def test_moving_average_revalues_on_each_receipt() -> None:
    # 100 @ 10 -> avg 10; issue 40 -> 400; receive 60 @ 13 -> (600 + 780)/120 = 11.50;
    # issue 90 -> 1035; 30 left worth 345
    state = CostState(CostMethod.MOVING_AVERAGE)
    _in(state, "100", "1000", 1)
    assert _out(state, "40", 2) == D("-400")
    _in(state, "60", "780", 3)
    assert state.last_unit_cost == D("11.5")
    assert _out(state, "90", 4) == D("-1035")
    assert (state.on_hand, state.value) == (D("30"), D("345"))
    assert _out(state, "30", 5) == D("-345")
    assert state.value == 0


def test_negative_stock_is_issued_at_the_last_cost_and_covered_by_the_next_receipt() -> None:
    for method in CostMethod:
        state = CostState(method)
        _in(state, "2", "8", 1)  # 4.00 each
        assert _out(state, "5", 2) == D("-20")  # 2 on hand + 3 short at 4.00
        assert (state.on_hand, state.value) == (D("-3"), D("-12"))
        change = _in(state, "10", "50", 3)  # 5.00 each: covers 3, 7 remain at 5.00
        assert (state.on_hand, state.value) == (D("7"), D("35"))
        assert change == D("47")  # 50 booked, 3 adjustment (deficit issued at 4, costs 5)


def test_replay_orders_by_day_then_sequence() -> None:
    ids = [uuid.uuid4() for _ in range(3)]
    history = [
        HistoryItem(ids[0], 1, date(2026, 3, 1), D("10"), D("100"), D("100")),
        HistoryItem(ids[2], 3, date(2026, 3, 2), D("10"), D("200"), D("200")),  # back-dated
        HistoryItem(ids[1], 2, date(2026, 3, 5), D("-15"), None, D("-100")),
    ]
    results, state = replay(CostMethod.FIFO, history)
    assert [r.value for r in results] == [D("100"), D("200"), D("-200")]  # 10*10 + 5*20
    assert (state.on_hand, state.value) == (D("5"), D("100"))
