"""Moving stock: THE seam other contexts (sales, purchasing) call inside their own open unit of
work, and what inventory's own commands (adjustStock, transferStock) use too.

Signatures (stable; call with keywords):

    ReceiptLine(product_id, warehouse_id, quantity: Decimal, unit_cost: Decimal)  # base ccy/unit,
        any precision: the line's value, quantity * unit_cost, is rounded to 4 places
    IssueLine(product_id, warehouse_id, quantity: Decimal)
    MovedLine(product_id, warehouse_id, quantity, value, movement_id | None)  # None: service

    await receive_within(uow, origin, *, company_id, occurred_on, reason, reference_type,
                         reference_id, lines: Sequence[ReceiptLine],
                         counter_account_id=None,      # default: category's GRNI (2120)
                         field_prefix="lines", date_field="date") -> list[MovedLine]
        Dr inventory / Cr counter, at quantity * unit cost (rounded to 4 places).
    await issue_within(uow, origin, *, company_id, occurred_on, reason, reference_type,
                       reference_id, lines: Sequence[IssueLine],
                       counter_account_id=None,        # default: category's COGS (5110)
                       field_prefix="lines", date_field="date") -> list[MovedLine]
        Valued by the product's cost method (FIFO / moving average); Dr counter / Cr inventory.
        MovedLine.value is the (positive) cost of the goods issued.
    await change_commitments_within(uow, *, company_id, product_id, warehouse_id,
                                    reserved_delta=0, incoming_delta=0) -> None
        Sales orders reserve (+) / release (-); purchase orders expect (+) / receive (-).
    await change_commitments_many_within(uow, *, company_id,
                                         changes: Sequence[CommitmentChange]) -> None
        Several at once (an order's lines), locked in order; errors `lines.<i>.productId`.
    await lock_stock_within(uow, *, company_id, keys: Iterable[(product_id, warehouse_id)])
        A command that makes SEVERAL seam calls (reserve some lines, issue others, ...) should
        call this FIRST with every product+warehouse it will touch: it takes all their locks in
        the one global order, so two concurrent commands cannot deadlock on each other's rows.
    uow.products.get_many(ids) -> dict[uuid, Product]   (company_id, is_active, is_stocked,
                                                        name, sku, selling_price, unit_of_measure)

The caller has checked its own permission and entered `uow`; this checks that every product
and warehouse is the company's and active, and raises DomainError with fields
`{field_prefix}.{i}.productId|warehouseId|quantity|unitCost` (nothing is written: the caller's
transaction rolls back). One journal entry per call via accounting's `post_entry_within`, dated
`occurred_on`; a movement dated before later ones of the same product and warehouse re-values
those later movements and books each day's difference as its own entry. Service (non-stocked)
products move nothing (value 0, movement_id None). Every movement records StockLevelChanged.

Lock order: the stock-level rows of all lines, sorted by (product, warehouse), first; then the
accounting locks (taken by post_entry_within).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from domain.accounting.model import LineInput
from domain.accounting.posting import post_entry_within
from domain.inventory.model import (
    DEFAULT_CODES,
    MAX_AMOUNT,
    ZERO,
    CostMethod,
    MovementType,
    PostingAccounts,
    Product,
    StockLevel,
    check_quantity,
)
from domain.inventory.ports import DailyChange, InventoryUnitOfWork, NewMovement, StockKey
from domain.inventory.valuation import CostState, Layer, replay
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError, ErrorCode, FieldError, ValidationErrors
from domain.shared.events import EventOrigin, RecordedEvent
from domain.shared.money import round4

REFERENCE_MAX = 100


@dataclass(frozen=True)
class ReceiptLine:
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: Decimal
    unit_cost: Decimal  # base currency per unit


@dataclass(frozen=True)
class IssueLine:
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: Decimal


@dataclass(frozen=True)
class MovedLine:
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: Decimal
    value: Decimal
    movement_id: uuid.UUID | None  # None: a service product, nothing moved


@dataclass(frozen=True)
class Move:
    """One movement to make (inventory's own commands build these directly)."""

    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: Decimal  # signed: > 0 in, < 0 out
    movement_type: MovementType
    counter_role: str  # "goods_received" | "cogs" | "adjustment" | "inventory"
    unit_cost: Decimal | None = None  # inbound; None: at the current unit cost
    value: Decimal | None = None  # inbound with a known total (a transfer's second leg)
    value_of_previous: bool = False  # inbound valued at what the previous move took out
    counter_account_id: uuid.UUID | None = None
    transfer_id: uuid.UUID | None = None
    location_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Moved:
    move: Move
    movement_id: uuid.UUID | None
    value: Decimal  # change in stock value (signed); 0 for services
    level: StockLevel | None


async def receive_within(
    uow: InventoryUnitOfWork,
    origin: EventOrigin,
    *,
    company_id: uuid.UUID,
    occurred_on: date,
    reason: str,
    reference_type: str,
    reference_id: uuid.UUID,
    lines: Sequence[ReceiptLine],
    counter_account_id: uuid.UUID | None = None,
    field_prefix: str = "lines",
    date_field: str = "date",
) -> list[MovedLine]:
    errors = ValidationErrors()
    for i, line in enumerate(lines):
        check_quantity(errors, f"{field_prefix}.{i}.quantity", line.quantity)
        _check_unit_cost(errors, f"{field_prefix}.{i}.unitCost", line.unit_cost)
    errors.raise_if_any()
    moves = [
        Move(
            line.product_id,
            line.warehouse_id,
            line.quantity,
            MovementType.RECEIPT,
            "goods_received",
            unit_cost=line.unit_cost,
            counter_account_id=counter_account_id,
        )
        for line in lines
    ]
    done = await move_within(
        uow,
        origin,
        company_id=company_id,
        occurred_on=occurred_on,
        reason=reason,
        reference_type=reference_type,
        reference_id=reference_id,
        moves=moves,
        field_prefix=field_prefix,
        date_field=date_field,
    )
    return [
        MovedLine(m.move.product_id, m.move.warehouse_id, m.move.quantity, m.value, m.movement_id)
        for m in done
    ]


async def issue_within(
    uow: InventoryUnitOfWork,
    origin: EventOrigin,
    *,
    company_id: uuid.UUID,
    occurred_on: date,
    reason: str,
    reference_type: str,
    reference_id: uuid.UUID,
    lines: Sequence[IssueLine],
    counter_account_id: uuid.UUID | None = None,
    field_prefix: str = "lines",
    date_field: str = "date",
) -> list[MovedLine]:
    errors = ValidationErrors()
    for i, line in enumerate(lines):
        check_quantity(errors, f"{field_prefix}.{i}.quantity", line.quantity)
    errors.raise_if_any()
    moves = [
        Move(
            line.product_id,
            line.warehouse_id,
            -line.quantity,
            MovementType.ISSUE,
            "cogs",
            counter_account_id=counter_account_id,
        )
        for line in lines
    ]
    done = await move_within(
        uow,
        origin,
        company_id=company_id,
        occurred_on=occurred_on,
        reason=reason,
        reference_type=reference_type,
        reference_id=reference_id,
        moves=moves,
        field_prefix=field_prefix,
        date_field=date_field,
    )
    return [
        MovedLine(m.move.product_id, m.move.warehouse_id, -m.move.quantity, -m.value, m.movement_id)
        for m in done
    ]


async def change_commitments_within(
    uow: InventoryUnitOfWork,
    *,
    company_id: uuid.UUID,
    product_id: uuid.UUID,
    warehouse_id: uuid.UUID,
    reserved_delta: Decimal = ZERO,
    incoming_delta: Decimal = ZERO,
) -> None:
    """Reserve/expect stock (negative deltas release). Services keep no commitments. Reserved
    and incoming never go below zero (a release beyond what is held releases what is held)."""
    product, _ = await _check_one(uow, company_id, product_id, warehouse_id)
    if not product.is_stocked or (reserved_delta == 0 and incoming_delta == 0):
        return
    key = (product_id, warehouse_id)
    level = (await uow.stock.lock_levels(company_id, [key]))[key]
    level.reserved = max(ZERO, level.reserved + Decimal(reserved_delta))
    level.incoming = max(ZERO, level.incoming + Decimal(incoming_delta))
    await uow.stock.save_levels([level])
    uow.record([level.changed_event(utcnow())])


@dataclass(frozen=True)
class CommitmentChange:
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    reserved_delta: Decimal = ZERO
    incoming_delta: Decimal = ZERO


async def change_commitments_many_within(
    uow: InventoryUnitOfWork, *, company_id: uuid.UUID, changes: Sequence[CommitmentChange]
) -> None:
    """Several commitment changes at once (an order's lines), locked in the one global order.
    Unknown or other companies' products/warehouses: DomainError naming `lines.<i>.productId`
    / `lines.<i>.warehouseId`."""
    products = await uow.products.get_many({c.product_id for c in changes})
    warehouses = await uow.warehouses.get_many({c.warehouse_id for c in changes})
    errors = ValidationErrors()
    for i, change in enumerate(changes):
        product = products.get(change.product_id)
        if product is None or product.company_id != company_id:
            errors.add(f"lines.{i}.productId", "Product not found.", ErrorCode.NOT_FOUND)
        warehouse = warehouses.get(change.warehouse_id)
        if warehouse is None or warehouse.company_id != company_id:
            errors.add(f"lines.{i}.warehouseId", "Warehouse not found.", ErrorCode.NOT_FOUND)
    errors.raise_if_any()
    wanted = [c for c in changes if products[c.product_id].is_stocked]
    if not wanted:
        return
    levels = await uow.stock.lock_levels(
        company_id, [(c.product_id, c.warehouse_id) for c in wanted]
    )
    for change in wanted:
        level = levels[(change.product_id, change.warehouse_id)]
        level.reserved = max(ZERO, level.reserved + Decimal(change.reserved_delta))
        level.incoming = max(ZERO, level.incoming + Decimal(change.incoming_delta))
    await uow.stock.save_levels(list(levels.values()))
    now = utcnow()
    uow.record([level.changed_event(now) for level in levels.values()])


async def lock_stock_within(
    uow: InventoryUnitOfWork,
    *,
    company_id: uuid.UUID,
    keys: Iterable[tuple[uuid.UUID, uuid.UUID]],
) -> None:
    """Take, up front and in the one global (product, warehouse) order, the stock-level locks of
    every product+warehouse a command is going to commit or move. Each seam call locks its own
    rows in that order; a command making several calls (reserve line 1, then issue line 2, ...)
    should call this first, so that two such commands can never hold each other's rows. Rows of
    service products are not created. Unknown ids are ignored (the later calls report them)."""
    wanted = set(keys)
    products = await uow.products.get_many({p for p, _ in wanted})
    stocked = [
        (p, w)
        for p, w in wanted
        if p in products and products[p].company_id == company_id and products[p].is_stocked
    ]
    if stocked:
        await uow.stock.lock_levels(company_id, stocked)


async def _check_one(
    uow: InventoryUnitOfWork, company_id: uuid.UUID, product_id: uuid.UUID, warehouse_id: uuid.UUID
) -> tuple[Product, None]:
    errors = ValidationErrors()
    product = (await uow.products.get_many([product_id])).get(product_id)
    if product is None or product.company_id != company_id:
        errors.add("productId", "Product not found.", ErrorCode.NOT_FOUND)
    warehouse = (await uow.warehouses.get_many([warehouse_id])).get(warehouse_id)
    if warehouse is None or warehouse.company_id != company_id:
        errors.add("warehouseId", "Warehouse not found.", ErrorCode.NOT_FOUND)
    errors.raise_if_any()
    assert product is not None
    return product, None


# -- the engine ---------------------------------------------------------------------------------


@dataclass
class _KeyState:
    """One product+warehouse during a call: its locked level, cost state and FIFO layers as
    loaded (to write only the difference at the end)."""

    level: StockLevel
    cost: CostState
    loaded_layers: list[Layer]
    daily: dict[date, list[Decimal]] = field(default_factory=dict)  # day -> [qty, value, issued]

    def add_daily(self, day: date, quantity: Decimal, value: Decimal, issued: Decimal) -> None:
        row = self.daily.setdefault(day, [ZERO, ZERO, ZERO])
        row[0] += quantity
        row[1] += value
        row[2] += issued


@dataclass
class _Call:
    """What one `move_within` call shares across its moves: the products and locked levels,
    each key's state, and the journal amounts gathered for the entries posted at the end."""

    uow: InventoryUnitOfWork
    origin: EventOrigin
    company_id: uuid.UUID
    occurred_on: date
    reason: str
    reference_type: str
    reference_id: uuid.UUID
    products: dict[uuid.UUID, Product]
    levels: dict[StockKey, StockLevel]
    accounts: dict[uuid.UUID, PostingAccounts]
    moves_per_key: dict[StockKey, int]
    now: datetime
    states: dict[StockKey, _KeyState] = field(default_factory=dict)
    # account -> net debit of the entry
    net: dict[uuid.UUID, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    # day -> account -> net debit of that day's revaluation entry (back-dated moves)
    revaluations: dict[date, dict[uuid.UUID, Decimal]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Decimal))
    )
    done: list[Moved] = field(default_factory=list)


# a new layer's sequence number until its movement is stored and numbered
_UNSAVED_SEQ = -1


async def move_within(
    uow: InventoryUnitOfWork,
    origin: EventOrigin,
    *,
    company_id: uuid.UUID,
    occurred_on: date,
    reason: str,
    reference_type: str,
    reference_id: uuid.UUID,
    moves: Sequence[Move],
    field_prefix: str = "lines",
    date_field: str = "date",
    move_fields: Sequence[str] | None = None,
) -> list[Moved]:
    """Make the moves in order, inside `uow`'s open transaction. `move_fields[i]`: the input
    path a move's errors name (default `{field_prefix}.{i}`)."""
    paths = list(move_fields or [f"{field_prefix}.{i}" for i in range(len(moves))])
    _check_moves(paths, moves, reason, field_prefix)
    products = await _active_products_and_warehouses(uow, company_id, paths, moves)
    call = await _start_call(
        uow,
        origin,
        company_id=company_id,
        occurred_on=occurred_on,
        reason=reason,
        reference_type=reference_type,
        reference_id=reference_id,
        moves=moves,
        products=products,
    )
    for path, move in zip(paths, moves, strict=True):
        await _make_move(call, path, move)
    await _save_stock(call)
    await _post_entries(call, date_field)
    return call.done


def _check_moves(
    paths: Sequence[str], moves: Sequence[Move], reason: str, field_prefix: str
) -> None:
    """The input alone: quantities, unit costs, a reason and at least one move."""
    errors = ValidationErrors()
    for path, move in zip(paths, moves, strict=True):
        check_quantity(errors, _at(path, "quantity"), move.quantity, positive=False)
        if move.unit_cost is not None:
            _check_unit_cost(errors, _at(path, "unitCost"), move.unit_cost)
    if not reason.strip():
        errors.add("reason", "A reason is required.", ErrorCode.REQUIRED)
    if not moves:
        errors.add(field_prefix, "At least one line is required.", ErrorCode.REQUIRED)
    errors.raise_if_any()


async def _active_products_and_warehouses(
    uow: InventoryUnitOfWork, company_id: uuid.UUID, paths: Sequence[str], moves: Sequence[Move]
) -> dict[uuid.UUID, Product]:
    """Every move's product and warehouse is the company's and active; returns the products."""
    errors = ValidationErrors()
    products = await uow.products.get_many({m.product_id for m in moves})
    warehouses = await uow.warehouses.get_many({m.warehouse_id for m in moves})
    for path, move in zip(paths, moves, strict=True):
        product = products.get(move.product_id)
        if product is None or product.company_id != company_id:
            errors.add(_at(path, "productId"), "Product not found.", ErrorCode.NOT_FOUND)
        elif not product.is_active:
            errors.add(_at(path, "productId"), f"Product {product.sku} is inactive.")
        warehouse = warehouses.get(move.warehouse_id)
        if warehouse is None or warehouse.company_id != company_id:
            errors.add(_at(path, "warehouseId"), "Warehouse not found.", ErrorCode.NOT_FOUND)
        elif not warehouse.is_active:
            errors.add(_at(path, "warehouseId"), f"Warehouse {warehouse.code} is inactive.")
    errors.raise_if_any()
    return products


async def _start_call(
    uow: InventoryUnitOfWork,
    origin: EventOrigin,
    *,
    company_id: uuid.UUID,
    occurred_on: date,
    reason: str,
    reference_type: str,
    reference_id: uuid.UUID,
    moves: Sequence[Move],
    products: dict[uuid.UUID, Product],
) -> _Call:
    """Lock the stocked keys' levels (in the one global order) and find their accounts."""
    stocked_keys = sorted(
        {(m.product_id, m.warehouse_id) for m in moves if products[m.product_id].is_stocked}
    )
    levels = await uow.stock.lock_levels(company_id, stocked_keys) if stocked_keys else {}
    accounts = await _posting_accounts(uow, company_id, [products[k[0]] for k in stocked_keys])
    moves_per_key: dict[StockKey, int] = defaultdict(int)
    for move in moves:
        moves_per_key[(move.product_id, move.warehouse_id)] += 1
    return _Call(
        uow=uow,
        origin=origin,
        company_id=company_id,
        occurred_on=occurred_on,
        reason=reason,
        reference_type=reference_type,
        reference_id=reference_id,
        products=products,
        levels=levels,
        accounts=accounts,
        moves_per_key=moves_per_key,
        now=utcnow(),
    )


async def _make_move(call: _Call, path: str, move: Move) -> None:
    """One move: value it, store its movement, re-value later history if it is back-dated,
    gather its journal amounts, advance the level and record StockLevelChanged."""
    product = call.products[move.product_id]
    if not product.is_stocked:
        call.done.append(Moved(move, None, ZERO, None))
        return
    key = (move.product_id, move.warehouse_id)
    state = await _state_of(call, key, product, move)
    posting = call.accounts[product.id]
    inventory_account = posting.inventory
    counter = move.counter_account_id or getattr(posting, move.counter_role)
    nominal = _nominal_value(move, state, call.done)

    movement_id = uuid.uuid4()
    back_dated = (
        state.level.last_movement_on is not None and call.occurred_on < state.level.last_movement_on
    )
    before = state.cost.copy()
    value = _apply_to_cost(state, move, nominal, movement_id, call.occurred_on)
    if (
        not back_dated
        and state.cost.on_hand < 0
        and state.cost.on_hand < before.on_hand
        and not product.allow_negative_stock
    ):
        raise _negative(path, product, before.on_hand)
    if (value != 0 or (nominal or ZERO) != 0) and (inventory_account is None or counter is None):
        raise _no_accounts(path, product)

    seq = await call.uow.stock.add_movement(
        _new_movement(call, move, movement_id, nominal, value, inventory_account, counter)
    )
    _number_unsaved_layers(state, seq)
    issued = -move.quantity if move.movement_type is MovementType.ISSUE else ZERO
    state.add_daily(call.occurred_on, move.quantity, value, issued)

    if back_dated:
        provisional = value
        value = await _replay(
            call.uow, key, state, product, movement_id, path, call.revaluations, posting
        )
        state.add_daily(call.occurred_on, ZERO, value - provisional, ZERO)
    if inventory_account is not None and counter is not None:
        _book(call.net, posting, inventory_account, counter, move, value, nominal)
    snapshot = _advance_level(state, call.occurred_on)
    call.done.append(Moved(move, movement_id, value, snapshot))
    call.uow.record([_level_changed(call, snapshot, move, movement_id, value)])


async def _state_of(call: _Call, key: StockKey, product: Product, move: Move) -> _KeyState:
    """The key's state in this call, loaded (level, cost state, FIFO layers) on its first move."""
    state = call.states.get(key)
    if state is None:
        level = call.levels[key]
        loaded = await _layers_for(call.uow, key, product, move, call.moves_per_key[key])
        cost = CostState(
            product.cost_method,
            level.on_hand,
            level.value,
            level.last_unit_cost,
            list(loaded),
        )
        state = call.states[key] = _KeyState(level, cost, loaded)
    return state


def _nominal_value(move: Move, state: _KeyState, done: Sequence[Moved]) -> Decimal | None:
    """What an inbound move is bought in at (None for an outbound one): its given value, what
    the previous move took out (a transfer's second leg), or quantity * unit cost (the current
    one when none is given)."""
    if move.quantity <= 0:
        return None
    if move.value is not None:
        return move.value
    if move.value_of_previous and done:
        return -done[-1].value
    unit = move.unit_cost if move.unit_cost is not None else state.cost.last_unit_cost
    return round4(move.quantity * unit)


def _apply_to_cost(
    state: _KeyState,
    move: Move,
    nominal: Decimal | None,
    movement_id: uuid.UUID,
    occurred_on: date,
) -> Decimal:
    """Move the key's cost state; returns the movement's (signed) value. New layers carry
    `_UNSAVED_SEQ` until the movement is stored."""
    if move.quantity > 0:
        assert nominal is not None
        return state.cost.inbound(
            move.quantity, nominal, seq=_UNSAVED_SEQ, movement_id=movement_id, day=occurred_on
        )
    return state.cost.outbound(
        -move.quantity, seq=_UNSAVED_SEQ, movement_id=movement_id, day=occurred_on
    )


def _new_movement(
    call: _Call,
    move: Move,
    movement_id: uuid.UUID,
    nominal: Decimal | None,
    value: Decimal,
    inventory_account: uuid.UUID | None,
    counter: uuid.UUID | None,
) -> NewMovement:
    return NewMovement(
        id=movement_id,
        company_id=call.company_id,
        product_id=move.product_id,
        warehouse_id=move.warehouse_id,
        movement_type=move.movement_type,
        occurred_on=call.occurred_on,
        quantity=move.quantity,
        nominal_value=nominal,
        value=value,
        reason=call.reason.strip(),
        reference_type=call.reference_type,
        reference_id=call.reference_id,
        inventory_account_id=inventory_account,
        counter_account_id=counter,
        actor=call.origin.user_id,
        transfer_id=move.transfer_id,
        location_id=move.location_id,
    )


def _number_unsaved_layers(state: _KeyState, seq: int) -> None:
    """The layers the move just made take its stored movement's sequence number."""
    state.cost.layers = [
        replace(layer, seq=seq) if layer.seq == _UNSAVED_SEQ else layer
        for layer in state.cost.layers
    ]


def _book(
    net: dict[uuid.UUID, Decimal],
    posting: PostingAccounts,
    inventory_account: uuid.UUID,
    counter: uuid.UUID,
    move: Move,
    value: Decimal,
    nominal: Decimal | None,
) -> None:
    """The entry: inventory takes the value change; the counter the nominal cost (inbound) or
    the value (outbound); any difference of an inbound is an adjustment."""
    net[inventory_account] += value
    if move.quantity > 0:
        assert nominal is not None
        net[counter] -= nominal
        if value != nominal and posting.adjustment is not None:
            net[posting.adjustment] -= value - nominal
    else:
        net[counter] -= value


def _advance_level(state: _KeyState, occurred_on: date) -> StockLevel:
    """The level takes the cost state's quantity, value and unit cost; returns a snapshot."""
    level = state.level
    level.on_hand, level.value = state.cost.on_hand, state.cost.value
    level.last_unit_cost = state.cost.last_unit_cost
    if level.last_movement_on is None or occurred_on > level.last_movement_on:
        level.last_movement_on = occurred_on
    return replace(level)


def _level_changed(
    call: _Call, snapshot: StockLevel, move: Move, movement_id: uuid.UUID, value: Decimal
) -> RecordedEvent:
    return snapshot.changed_event(
        call.now,
        movement={
            "id": str(movement_id),
            "type": move.movement_type.value,
            "quantity": str(move.quantity),
            "value": str(value),
            "occurredOn": call.occurred_on.isoformat(),
            "referenceType": call.reference_type,
            "referenceId": str(call.reference_id),
        },
    )


async def _save_stock(call: _Call) -> None:
    """Write what the call changed: each key's layers (the difference), levels, daily rows."""
    for key, state in call.states.items():
        await call.uow.stock.replace_layers(key, state.loaded_layers, state.cost.layers)
    if call.states:
        await call.uow.stock.save_levels([s.level for s in call.states.values()])
        await call.uow.stock.add_daily(
            {
                (key, day): DailyChange(call.company_id, row[0], row[1], row[2])
                for key, state in call.states.items()
                for day, row in state.daily.items()
                if any(row)
            }
        )


async def _post_entries(call: _Call, date_field: str) -> None:
    """The call's journal entry (its movements point at it), then one revaluation entry per
    day a back-dated move re-valued."""
    reference = f"{call.reference_type}:{call.reference_id}"[:REFERENCE_MAX]
    entry_lines = _lines(call.net)
    if entry_lines:
        entry = await post_entry_within(
            call.uow,
            call.origin,
            company_id=call.company_id,
            transaction_date=call.occurred_on,
            lines=entry_lines,
            reference=reference,
            description=call.reason.strip()[:500],
            date_field=date_field,
        )
        await call.uow.stock.set_transaction(
            [m.movement_id for m in call.done if m.movement_id is not None], entry.id
        )
    for day in sorted(call.revaluations):
        reval_lines = _lines(call.revaluations[day])
        if reval_lines:
            await post_entry_within(
                call.uow,
                call.origin,
                company_id=call.company_id,
                transaction_date=day,
                lines=reval_lines,
                reference=reference,
                description=(
                    f"Stock revaluation after a movement dated {call.occurred_on.isoformat()}"
                ),
                date_field=date_field,
            )


async def _layers_for(
    uow: InventoryUnitOfWork, key: StockKey, product: Product, move: Move, moves_on_key: int
) -> list[Layer]:
    """The FIFO layers a key's moves of this call may touch: for a single issue only the oldest
    ones covering it, for a single receipt only a deficit layer; several moves load all."""
    if product.cost_method is not CostMethod.FIFO:
        return []
    if moves_on_key > 1:
        return await uow.stock.layers(key)
    if move.quantity > 0:
        return await uow.stock.layers(key, deficit_only=True)
    return await uow.stock.layers(key, covering=-move.quantity)


def _check_unit_cost(errors: ValidationErrors, field_name: str, unit_cost: Decimal) -> None:
    """Any precision (a cost converted from another currency rarely has 4 places): the
    movement's value, quantity * unit cost, is what is rounded to 4 places."""
    if not unit_cost.is_finite() or unit_cost < 0:
        errors.add(field_name, "Unit cost must not be negative.")
    elif unit_cost > MAX_AMOUNT:
        errors.add(field_name, "Unit cost is too large.")


def _at(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _lines(net: dict[uuid.UUID, Decimal]) -> list[LineInput]:
    lines: list[LineInput] = []
    for account_id, amount in sorted(net.items(), key=lambda kv: str(kv[0])):
        if amount > 0:
            lines.append(LineInput(account_id, debit=amount))
        elif amount < 0:
            lines.append(LineInput(account_id, credit=-amount))
    return lines


async def _replay(
    uow: InventoryUnitOfWork,
    key: StockKey,
    state: _KeyState,
    product: Product,
    movement_id: uuid.UUID,
    path: str,
    revaluations: dict[date, dict[uuid.UUID, Decimal]],
    posting: PostingAccounts,
) -> Decimal:
    """A movement dated before later ones: run the key's whole history again, re-value the
    later movements (their differences go to `revaluations` by day) and return the value the
    new movement has in its place in history."""
    stored = await uow.stock.history(key)
    results, final = replay(product.cost_method, [s.item for s in stored])
    new_value = ZERO
    changed: dict[uuid.UUID, Decimal] = {}
    for stored_movement, result in zip(stored, results, strict=True):
        item = stored_movement.item
        if (
            result.on_hand_after < 0
            and not product.allow_negative_stock
            and result.item.quantity < 0
        ):
            raise _negative(path, product, None, on=item.occurred_on)
        if item.movement_id == movement_id:
            new_value = result.value
            changed[item.movement_id] = result.value
            continue
        difference = result.value - item.value
        if difference == 0:
            continue
        changed[item.movement_id] = result.value
        state.add_daily(item.occurred_on, ZERO, difference, ZERO)
        inventory = stored_movement.inventory_account_id or posting.inventory
        if item.quantity > 0 or stored_movement.movement_type is MovementType.TRANSFER_OUT:
            counter = posting.adjustment
        else:
            counter = stored_movement.counter_account_id or posting.cogs
        if inventory is None or counter is None:
            raise _no_accounts(path, product)
        revaluations[item.occurred_on][inventory] += difference
        revaluations[item.occurred_on][counter] -= difference
    await uow.stock.set_values(changed)
    state.cost = final
    state.loaded_layers = await uow.stock.layers(key)  # all of them are rewritten
    return new_value


def _negative(
    path: str, product: Product, on_hand: Decimal | None, *, on: date | None = None
) -> DomainError:
    if on is not None:
        message = (
            f"Not enough stock of {product.sku}: on {on.isoformat()} the quantity would fall "
            "below zero."
        )
    else:
        message = f"Not enough stock of {product.sku}: {on_hand} on hand."
    return DomainError([FieldError(ErrorCode.INVALID, message, _at(path, "quantity"))])


def _no_accounts(path: str, product: Product) -> DomainError:
    return DomainError(
        [
            FieldError(
                ErrorCode.INVALID,
                f"No inventory accounts for {product.sku}: set them on its category or add the "
                "default accounts (1300, 5110, 5400, 2120) to the chart.",
                _at(path, "productId"),
            )
        ]
    )


async def _posting_accounts(
    uow: InventoryUnitOfWork, company_id: uuid.UUID, products: Sequence[Product]
) -> dict[uuid.UUID, PostingAccounts]:
    if not products:
        return {}
    defaults = await uow.stock.default_accounts(company_id, DEFAULT_CODES.values())
    category_ids = {p.category_id for p in products if p.category_id is not None}
    categories = await uow.products.categories(category_ids) if category_ids else {}
    out: dict[uuid.UUID, PostingAccounts] = {}
    for product in products:
        category = categories.get(product.category_id) if product.category_id else None

        def pick(role: str, category: object = category) -> uuid.UUID | None:
            chosen = category.account(role) if category is not None else None  # type: ignore[attr-defined]
            return chosen or defaults.get(DEFAULT_CODES[role])

        out[product.id] = PostingAccounts(
            inventory=pick("inventory"),
            cogs=pick("cogs"),
            adjustment=pick("adjustment"),
            goods_received=pick("goods_received"),
        )
    return out
