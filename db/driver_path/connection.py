"""The asyncpg connection under a SQLAlchemy connection, in SQLAlchemy's transaction.

The one place that reads SQLAlchemy's private attributes (`Connection._dbapi_connection`, the
asyncpg adapter's `_transaction` and `_start_transaction()`); checked by
tests/platform/test_library_canaries.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection


async def driver_connection(conn: AsyncConnection) -> Any:
    """The asyncpg connection under `conn`, inside `conn`'s transaction.

    Reached without I/O when `conn` is connected (`get_raw_connection()` is public but awaits a
    pool checkout). SQLAlchemy's adapter begins its transaction lazily, on its first statement:
    begin it here if nothing ran yet, so what asyncpg writes commits or rolls back with `conn`.
    """
    sync = conn.sync_connection
    fairy = sync._dbapi_connection if sync is not None else None
    if fairy is None:  # not connected yet (or invalidated): SQLAlchemy's own way, with I/O
        fairy = await conn.get_raw_connection()
    adapted: Any = fairy.dbapi_connection
    if adapted._transaction is None and conn.in_transaction():
        await adapted._start_transaction()
    return adapted.driver_connection
