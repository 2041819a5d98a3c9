"""A small GraphQL-over-websocket client speaking both protocols Apollo clients use.

* ``graphql-transport-ws`` (graphql-ws library, Apollo Client 3.5+): connection_init /
  connection_ack / subscribe / next / error / complete / ping / pong;
* ``graphql-ws`` (legacy subscriptions-transport-ws): connection_init / connection_ack / start /
  data / error / complete / stop / ka / connection_error.

Usage::

    async with GraphQLWebSocket(url, TRANSPORT_WS, token) as ws:
        sub = await ws.subscribe(query, variables)
        payload = await sub.next(timeout=5)       # {"data": ..., "errors": ...}
        await sub.assert_silent(1.0)              # nothing more arrives within a second

One reader task owns the socket and routes frames by operation id to per-subscription queues,
so several subscriptions can share one connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from types import TracebackType
from typing import Any, Final, Self

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

TRANSPORT_WS: Final = "graphql-transport-ws"
LEGACY_WS: Final = "graphql-ws"
PROTOCOLS: Final = (TRANSPORT_WS, LEGACY_WS)

Payload = dict[str, Any]


class SubscriptionError(Exception):
    """The server answered an operation with an ``error`` message (errors before execution)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


class SubscriptionCompleted(Exception):
    """The server completed the operation (or the socket closed) while we waited for more."""


class ConnectionRejected(Exception):
    """connection_init was refused (connection_error, or the socket was closed)."""


class _Closed:
    def __init__(self, reason: str) -> None:
        self.reason = reason


class Subscription:
    def __init__(self, ws: GraphQLWebSocket, op_id: str) -> None:
        self.id = op_id
        self._ws = ws
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.completed = False

    def _put(self, kind: str, payload: Any) -> None:
        self._queue.put_nowait((kind, payload))

    async def _get(self, timeout: float) -> tuple[str, Any]:
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            raise TimeoutError(f"no message for subscription {self.id} within {timeout}s") from None

    async def next(self, timeout: float = 5.0) -> Payload:
        """The next result payload (``{"data": ..., "errors": ...}``).

        Raises SubscriptionError for an ``error`` message, SubscriptionCompleted when the
        operation completed (or the connection closed), TimeoutError when nothing came.
        """
        kind, payload = await self._get(timeout)
        if kind == "next":
            return payload
        if kind == "error":
            raise SubscriptionError(payload)
        self.completed = True
        raise SubscriptionCompleted(payload)

    async def errors(self, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The GraphQL errors the operation ends with, whether they come as an ``error`` message
        or as a result carrying ``errors`` (both are legal for subscriptions)."""
        try:
            payload = await self.next(timeout)
        except SubscriptionError as exc:
            return exc.errors
        assert payload.get("errors"), f"expected errors, got a result: {payload}"
        return payload["errors"]

    async def collect(self, count: int, timeout: float = 5.0) -> list[Payload]:
        """Exactly ``count`` result payloads, each within ``timeout`` of the previous one."""
        return [await self.next(timeout) for _ in range(count)]

    async def assert_silent(self, seconds: float) -> None:
        """Nothing at all (no result, error or completion) arrives within ``seconds``."""
        try:
            kind, payload = await asyncio.wait_for(self._queue.get(), seconds)
        except TimeoutError:
            return
        raise AssertionError(f"expected silence on subscription {self.id}, got {kind}: {payload}")

    async def stop(self) -> None:
        """Tell the server we are done (complete / stop)."""
        if not self.completed:
            self.completed = True
            kind = "complete" if self._ws.protocol == TRANSPORT_WS else "stop"
            with contextlib.suppress(ConnectionClosed):
                await self._ws._send({"id": self.id, "type": kind})


class GraphQLWebSocket:
    def __init__(
        self,
        url: str,
        protocol: str = TRANSPORT_WS,
        token: str | None = None,
        *,
        connection_params: dict[str, Any] | None = None,
        ack_timeout: float = 10.0,
    ) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {protocol!r}; use one of {PROTOCOLS}")
        self.url = url
        self.protocol = protocol
        params = dict(connection_params or {})
        if token is not None:
            params.setdefault("Authorization", f"Bearer {token}")
        self._params = params
        self._ack_timeout = ack_timeout
        self._conn: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._subs: dict[str, Subscription] = {}
        self._ids = itertools.count(1)
        self.pings = 0  # pings answered (graphql-transport-ws)
        self.keep_alives = 0  # ka frames seen (graphql-ws)
        self.closed_reason: str | None = None

    async def __aenter__(self) -> Self:
        self._conn = await connect(self.url, subprotocols=[self.protocol], open_timeout=10)  # type: ignore[list-item]
        assert self._conn.subprotocol == self.protocol, (
            f"server chose subprotocol {self._conn.subprotocol!r}, not {self.protocol!r}"
        )
        try:
            await self._handshake()
        except BaseException:
            await self._conn.close()
            raise
        self._reader = asyncio.create_task(self._read_loop(), name="graphql-ws-reader")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                for sub in list(self._subs.values()):
                    await sub.stop()
                if self.protocol == LEGACY_WS:
                    await self._send({"type": "connection_terminate"})
            await self._conn.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def _send(self, message: dict[str, Any]) -> None:
        assert self._conn is not None
        await self._conn.send(json.dumps(message))

    async def _handshake(self) -> None:
        assert self._conn is not None
        await self._send({"type": "connection_init", "payload": self._params})
        async with asyncio.timeout(self._ack_timeout):
            while True:
                try:
                    raw = await self._conn.recv()
                except ConnectionClosed as exc:
                    raise ConnectionRejected(f"closed during handshake: {exc}") from exc
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "connection_ack":
                    return
                if kind == "connection_error":
                    raise ConnectionRejected(str(message.get("payload")))
                if kind == "ka":
                    self.keep_alives += 1
                elif kind == "ping":
                    await self._send({"type": "pong"})
                    self.pings += 1
                else:
                    raise AssertionError(f"unexpected message before connection_ack: {message}")

    async def subscribe(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
    ) -> Subscription:
        op_id = str(next(self._ids))
        sub = self._subs[op_id] = Subscription(self, op_id)
        payload: dict[str, Any] = {"query": query, "variables": variables or {}}
        if operation_name:
            payload["operationName"] = operation_name
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        await self._send({"id": op_id, "type": kind, "payload": payload})
        return sub

    async def _read_loop(self) -> None:
        assert self._conn is not None
        reason = "connection closed"
        try:
            async for raw in self._conn:
                message = json.loads(raw)
                kind = message.get("type")
                sub = self._subs.get(message.get("id", ""))
                if kind in ("next", "data"):
                    if sub is not None:
                        sub._put("next", message["payload"])
                elif kind == "error":
                    if sub is not None:
                        errors = message["payload"]
                        sub._put("error", errors if isinstance(errors, list) else [errors])
                        self._subs.pop(sub.id, None)
                        sub.completed = True
                elif kind == "complete":
                    if sub is not None:
                        sub._put("complete", "completed by the server")
                        self._subs.pop(sub.id, None)
                        sub.completed = True
                elif kind == "ping":
                    pong = {"type": "pong"}
                    if "payload" in message:
                        pong["payload"] = message["payload"]
                    await self._send(pong)
                    self.pings += 1
                elif kind == "ka":
                    self.keep_alives += 1
                elif kind == "pong":
                    pass
                else:
                    raise AssertionError(f"unexpected message: {message}")
        except ConnectionClosed as exc:
            reason = f"connection closed: {exc}"
        finally:
            if self._conn.close_code is not None:
                reason = f"connection closed ({self._conn.close_code} {self._conn.close_reason})"
            self.closed_reason = reason
            for sub in self._subs.values():
                sub._put("complete", reason)
            self._subs.clear()


__all__ = [
    "LEGACY_WS",
    "PROTOCOLS",
    "TRANSPORT_WS",
    "ConnectionRejected",
    "GraphQLWebSocket",
    "Subscription",
    "SubscriptionCompleted",
    "SubscriptionError",
]
