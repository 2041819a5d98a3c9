"""One mutation path: resolver -> command -> run_command -> handler -> unit of work.

Resolvers hold commands, never connections: none opens a unit of work, a connection or a
transaction, or imports a db adapter (resolvers/context.py and resolvers/command_ports.py wire
them, resolvers/commands.py opens the unit of work). run_command retries a command PostgreSQL
aborted on a lock conflict, for every command: a delivery that deadlocks with another
transaction on the same stock rows is delivered once, not answered with a database error.
"""

from __future__ import annotations

import ast
import asyncio
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from resolvers import commands
from tests.conftest import GraphQLClient, TenantHandle, eventually
from tests.sales.api import CREATE_DELIVERY, CREATE_ORDER, Sales

RESOLVERS = Path(__file__).resolve().parents[2] / "resolvers"
# The composition root (the request context), the ports it lends handlers, and the one path.
WIRING = {"context.py", "command_ports.py", "commands.py"}
ADAPTERS = ("db.repositories", "db.identity", "db.api_keys", "db.unit_of_work")
OPENERS = {"connect", "begin", "unit_of_work"}


def _slips(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(ADAPTERS):
            found.append(f"imports {node.module}")
        elif isinstance(node, ast.Import):
            found += [f"imports {a.name}" for a in node.names if a.name.startswith(ADAPTERS)]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in OPENERS
            # Redis's pub/sub connects too (resolvers/events/hub.py); databases are engines
            and (node.func.attr == "unit_of_work" or "engine" in ast.unparse(node.func.value))
        ):
            found.append(f"calls {ast.unparse(node.func)}()")
    return [f"{path.relative_to(RESOLVERS.parent)}:{node_text}" for node_text in found]


def test_no_resolver_opens_a_transaction_or_builds_a_db_adapter() -> None:
    slips = [
        slip
        for path in sorted(RESOLVERS.rglob("*.py"))
        if path.name not in WIRING or path.parent != RESOLVERS
        for slip in _slips(path)
    ]
    assert slips == []


class _UnitOfWork:
    def __init__(self) -> None:
        self.committed_events: list[Any] = []


def _info(opened: list[_UnitOfWork]) -> Any:
    def unit_of_work(origin: Any) -> _UnitOfWork:
        opened.append(_UnitOfWork())
        return opened[-1]

    context = SimpleNamespace(origin=lambda: "origin", grants="grants", unit_of_work=unit_of_work)
    return SimpleNamespace(context=context)


async def test_a_conflict_that_never_ends_is_shown_after_the_last_attempt() -> None:
    # (the retry itself, and never after a commit: tests/platform/test_command_retry.py)
    opened: list[_UnitOfWork] = []

    async def always(command: Any, uow: Any, origin: Any, grants: Any) -> str:
        raise asyncpg.exceptions.SerializationError("could not serialize access")

    with pytest.raises(asyncpg.exceptions.SerializationError):
        await commands.run_command(_info(opened), always, None)
    assert len(opened) == commands.ATTEMPTS


async def test_ports_are_built_on_each_attempts_unit_of_work() -> None:
    opened: list[_UnitOfWork] = []
    seen: list[tuple[Any, Any]] = []
    port = commands.UnitOfWorkPort(lambda uow, origin: (uow, origin))

    async def handler(command: Any, uow: Any, origin: Any, grants: Any, *, keys: Any) -> None:
        seen.append(keys)
        if len(seen) == 1:
            raise asyncpg.exceptions.DeadlockDetectedError("deadlock detected")

    await commands.run_command(_info(opened), handler, None, keys=port)
    assert seen == [(opened[0], "origin"), (opened[1], "origin")]


async def _waiting_on_a_lock(engine: AsyncEngine, besides: int) -> None:
    """Until another backend than `besides` waits for a row lock (at most a few seconds)."""
    async with engine.connect() as conn:

        async def waiting() -> int:
            query = text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND pid <> :pid"
            )
            return int(await conn.scalar(query, {"pid": besides}) or 0)

        if not await eventually(waiting, timeout=5, interval=0.02):
            raise AssertionError("the delivery never waited for the stock row")


async def test_a_delivery_deadlocked_on_its_stock_rows_is_retried_and_delivers_once(
    gql: GraphQLClient, engine: AsyncEngine, make_tenant: Any
) -> None:
    tenant: TenantHandle = await make_tenant()
    sales = await Sales.open(gql, tenant)
    inventory = sales.inventory
    widget = await inventory.product("W-1", sellingPrice="100.00")
    warehouse = await inventory.warehouse("KL")
    stocked = await inventory.adjust(
        widget["id"], warehouse["id"], delta="10", unitCost="40", occurredOn="2026-03-01"
    )
    assert stocked["errors"] == [], stocked
    customer = await sales.customer()
    order = await sales.call(
        CREATE_ORDER,
        "createSalesOrder",
        {
            "input": {
                "customerId": customer["id"],
                "warehouseId": warehouse["id"],
                "issueDate": "2026-03-03",
                "items": [{"productId": widget["id"], "quantity": "3"}],
            }
        },
    )
    assert order["errors"] == [], order
    order_id = await _row_id(engine, tenant.schema, "sales_documents", "number", "SO-000001")

    schema = tenant.schema
    async with engine.connect() as other:
        await other.begin()
        pid = await other.scalar(text("SELECT pg_backend_pid()"))
        # This side waits long before looking for deadlocks: the delivery (1 s) is the victim.
        await other.execute(text("SET LOCAL deadlock_timeout = '20s'"))
        await other.execute(text(f'SELECT 1 FROM "{schema}".stock_levels FOR UPDATE'))
        delivering = asyncio.create_task(
            sales.call(
                CREATE_DELIVERY,
                "createDelivery",
                {"input": {"salesOrderId": order["document"]["id"], "deliveryDate": "2026-03-04"}},
            )
        )
        await _waiting_on_a_lock(engine, besides=pid)  # it holds the order, wants the stock
        # ... and this side now wants the order: a deadlock. Getting the order's row lock
        # while still holding the stock rows proves the delivery's transaction was aborted.
        await other.execute(
            text(f'SELECT 1 FROM "{schema}".sales_documents WHERE id = :id FOR UPDATE'),
            {"id": order_id},
        )
        await other.rollback()
        delivery = await asyncio.wait_for(delivering, timeout=10)

    assert delivery["errors"] == [], delivery
    assert delivery["document"]["number"] == "DO-000001"
    level = (await inventory.levels())["edges"][0]["node"]
    assert (Decimal(level["onHand"]), Decimal(level["reserved"])) == (7, 0)  # delivered once


async def _row_id(engine: AsyncEngine, schema: str, table: str, column: str, value: str) -> Any:
    async with engine.connect() as conn:
        return await conn.scalar(
            text(f'SELECT id FROM "{schema}".{table} WHERE {column} = :value'), {"value": value}
        )
