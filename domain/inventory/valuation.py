"""The cost engine: what a movement does to a product's stock value in one warehouse, under
FIFO or moving average. Pure: the stock seam feeds it the state it locked and writes back
what it returns; a back-dated movement replays the whole history through it.

Inbound movements bring a value (what the goods cost); outbound movements take value out:
- FIFO: from the oldest receipt layers first; a partly consumed layer gives up value in
  proportion (rounded to 4 places) and keeps the rest, so stock value is always exactly the
  sum of the remaining layers.
- Moving average: value * issued / on hand (the whole value when everything goes), so stock
  value never drifts from on-hand * average by more than rounding.
- Stock allowed to go negative is issued at the last known unit cost and kept as a negative
  layer (FIFO) or negative value (average); the next receipt covers the deficit at its own
  cost, and the difference from the nominal cost is an adjustment (booked to the adjustment
  account), so the stock value still equals what was booked.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from domain.inventory.model import ZERO, CostMethod
from domain.shared.money import round4


@dataclass(frozen=True)
class Layer:
    seq: int  # the inbound movement's order number
    movement_id: uuid.UUID
    received_on: date
    quantity: Decimal  # negative: issued ahead of stock (a deficit)
    value: Decimal


@dataclass
class CostState:
    method: CostMethod
    on_hand: Decimal = ZERO
    value: Decimal = ZERO
    last_unit_cost: Decimal = ZERO
    # FIFO only, oldest first. May be just the layers a movement touches (see StockRepository
    # .layers): value changes are computed from the layers that change, never from a total.
    layers: list[Layer] = field(default_factory=list)

    def copy(self) -> CostState:
        return replace(self, layers=list(self.layers))

    def inbound(
        self, quantity: Decimal, value: Decimal, *, seq: int, movement_id: uuid.UUID, day: date
    ) -> Decimal:
        """Add `quantity` costing `value`; returns the change in stock value."""
        before = self.value
        unit = round4(value / quantity)
        if self.method is CostMethod.FIFO:
            held = _total(self.layers)
            self._fifo_in(quantity, value, Layer(seq, movement_id, day, quantity, value))
            self.value += _total(self.layers) - held
        elif self.on_hand >= 0:
            self.value += value
        else:
            after = self.on_hand + quantity
            if after > 0:
                self.value = round4(value * after / quantity)
            elif after == 0:
                self.value = ZERO
            else:
                self.value = round4(self.value * after / self.on_hand)
        self.on_hand += quantity
        self.last_unit_cost = (
            round4(self.value / self.on_hand)
            if self.method is CostMethod.MOVING_AVERAGE and self.on_hand > 0
            else unit
        )
        return self.value - before

    def outbound(
        self, quantity: Decimal, *, seq: int, movement_id: uuid.UUID, day: date
    ) -> Decimal:
        """Take `quantity` out; returns the change in stock value (<= 0 unless negative costs).
        Stock issued beyond what is on hand becomes (or grows) a negative FIFO layer named
        after this movement."""
        before = self.value
        if self.method is CostMethod.FIFO:
            held = _total(self.layers)
            self._fifo_out(quantity, Layer(seq, movement_id, day, ZERO, ZERO))
            self.value += _total(self.layers) - held
        elif self.on_hand <= 0:
            self.value -= round4(quantity * self.last_unit_cost)
        elif quantity >= self.on_hand:
            beyond = quantity - self.on_hand
            self.value = -round4(beyond * self.last_unit_cost)
        else:
            self.value -= round4(self.value * quantity / self.on_hand)
        self.on_hand -= quantity
        return self.value - before

    def _fifo_in(self, quantity: Decimal, value: Decimal, layer: Layer) -> None:
        deficit = [existing for existing in self.layers if existing.quantity < 0]
        if not deficit:
            self.layers.append(layer)
            return
        short = -sum((d.quantity for d in deficit), ZERO)
        short_value = -sum((d.value for d in deficit), ZERO)
        self.layers = [existing for existing in self.layers if existing.quantity > 0]
        first = deficit[0]
        if quantity < short:
            left = short - quantity
            kept = short_value - round4(short_value * quantity / short)
            self.layers.insert(0, replace(first, quantity=-left, value=-kept))
        elif quantity > short:
            rest = quantity - short
            self.layers.append(replace(layer, quantity=rest, value=round4(value * rest / quantity)))

    def _fifo_out(self, quantity: Decimal, deficit: Layer) -> None:
        remaining = quantity
        kept: list[Layer] = []
        for layer in self.layers:
            if remaining == 0 or layer.quantity < 0:
                kept.append(layer)
                continue
            if layer.quantity <= remaining:
                remaining -= layer.quantity
                self.last_unit_cost = round4(layer.value / layer.quantity)
                continue
            taken = round4(layer.value * remaining / layer.quantity)
            kept.append(
                replace(layer, quantity=layer.quantity - remaining, value=layer.value - taken)
            )
            remaining = ZERO
        if remaining > 0:
            owed = round4(remaining * self.last_unit_cost)
            negative = [layer for layer in kept if layer.quantity < 0]
            if negative:
                merged = negative[0]
                kept = [
                    replace(merged, quantity=merged.quantity - remaining, value=merged.value - owed)
                ]
            else:
                kept = [replace(deficit, quantity=-remaining, value=-owed)]
        self.layers = kept


def _total(layers: list[Layer]) -> Decimal:
    return sum((layer.value for layer in layers), ZERO)


@dataclass(frozen=True)
class HistoryItem:
    """One movement of a product in a warehouse, as the replay sees it."""

    movement_id: uuid.UUID
    seq: int
    occurred_on: date
    quantity: Decimal  # signed
    nominal_value: Decimal | None  # inbound: what it cost; outbound: None
    value: Decimal  # the value change stored for it so far


@dataclass(frozen=True)
class Replayed:
    item: HistoryItem
    value: Decimal  # the value change it causes now
    on_hand_after: Decimal


def replay(method: CostMethod, history: Iterable[HistoryItem]) -> tuple[list[Replayed], CostState]:
    """Run a whole history (ordered by day, then seq) from empty stock."""
    state = CostState(method)
    out: list[Replayed] = []
    for item in history:
        if item.quantity > 0:
            change = state.inbound(
                item.quantity,
                item.nominal_value or ZERO,
                seq=item.seq,
                movement_id=item.movement_id,
                day=item.occurred_on,
            )
        else:
            change = state.outbound(
                -item.quantity, seq=item.seq, movement_id=item.movement_id, day=item.occurred_on
            )
        out.append(Replayed(item, change, state.on_hand))
    return out, state
