"""Which failures mean a backing server (PostgreSQL, Redis) cannot be reached right now.

Such a failure is nobody's bug and says nothing about the request: the API answers it with
SERVICE_UNAVAILABLE (HTTP 503 and Retry-After) so clients retry, instead of masking it as an
internal error. Drivers wrap the cause (SQLAlchemy around asyncpg around OSError), so the whole
chain of causes is examined.
"""

from __future__ import annotations

import socket

import asyncpg
import sqlalchemy.exc
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# Seconds a client is asked to wait before retrying (a restart or fail-over takes a few).
RETRY_AFTER_SECONDS = 5

_UNREACHABLE = (
    ConnectionError,  # refused, reset, aborted, broken pipe
    TimeoutError,
    socket.gaierror,
    asyncpg.PostgresConnectionError,  # class 08: the connection failed or is gone
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.ConnectionDoesNotExistError,
    sqlalchemy.exc.TimeoutError,  # no pooled connection came free in time
    RedisConnectionError,
    RedisTimeoutError,
)


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 16:
        chain.append(current)
        orig = getattr(current, "orig", None)  # SQLAlchemy's wrapped DBAPI error
        current = (
            orig if isinstance(orig, BaseException) and orig not in chain
            else current.__cause__ or current.__context__
        )  # fmt: skip
    return chain


def is_unavailable(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) says PostgreSQL or Redis is unreachable."""
    for cause in _causes(exc):
        if isinstance(cause, _UNREACHABLE):
            return True
        if isinstance(cause, sqlalchemy.exc.DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, asyncpg.InterfaceError) and "connection" in str(cause).lower():
            return True  # e.g. "connection is closed" after the server went away
    return False
