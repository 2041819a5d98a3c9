"""A websocket subscriber that stays on its tenant's `domainEvents` through server restarts.

It speaks graphql-transport-ws like any client library. When the socket closes or the
subscription ends, it connects again (short backoff) and subscribes again; if the schema's
`domainEvents` takes an `after` argument (resume after the last event id received), it passes
the last id it got, as a client that must not miss anything would. Without `after`, what
happened while it was away is simply not sent, and the audit counts it as missed.

It records every event id received (duplicates counted, not stored twice), the reconnects,
and every error the server sent on the stream (e.g. SUBSCRIBER_OVERFLOW).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

_ARGS = """{ __type(name: "Subscription") { fields { name args { name
  type { kind name ofType { kind name } } } } } }"""
FIELDS = "id eventType aggregateId"


async def resume_argument_type(url: str, token: str) -> str | None:
    """The GraphQL type of `domainEvents(after:)` (e.g. "ID"), or None if there is no `after`."""
    async with httpx.AsyncClient(base_url=url, timeout=15) as http:
        response = await http.post(
            "/graphql", json={"query": _ARGS}, headers={"Authorization": f"Bearer {token}"}
        )
    response.raise_for_status()
    fields = response.json()["data"]["__type"]["fields"]
    for f in fields:
        if f["name"] != "domainEvents":
            continue
        for arg in f["args"]:
            if arg["name"] == "after":
                kind = arg["type"]
                if kind["kind"] == "NON_NULL":
                    return f"{kind['ofType']['name']}!"
                return str(kind["name"])
    return None


@dataclass
class EventFollower:
    ws_url: str
    token: str
    resume_type: str | None  # the type of `after`, None if the server has no `after`
    received: list[str] = field(default_factory=list)  # event ids, first arrival order
    seen: set[str] = field(default_factory=set)
    duplicates: int = 0
    connects: int = 0
    resumed: int = 0  # subscriptions sent with `after`
    stream_errors: list[str] = field(default_factory=list)
    failed_connects: int = 0
    away_s: float = 0.0  # time without a subscription, after the first one
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)  # set once, at the first

    def document(self) -> tuple[str, dict[str, Any]]:
        last = self.received[-1] if self.received else None
        if self.resume_type is None or last is None:
            return f"subscription {{ domainEvents {{ {FIELDS} }} }}", {}
        self.resumed += 1
        query = (
            f"subscription($after: {self.resume_type}) "
            f"{{ domainEvents(after: $after) {{ {FIELDS} }} }}"
        )
        return query, {"after": last}

    async def run(self, stop: asyncio.Event) -> None:
        """Follow the stream until `stop` is set."""
        lost_at: float | None = None  # when the last live subscription ended
        while not stop.is_set():
            try:
                async with connect(
                    self.ws_url,
                    subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                    open_timeout=5,
                    ping_interval=None,
                    max_size=None,
                    proxy=None,
                ) as ws:
                    await self._subscribe(ws)
                    self.connects += 1
                    if lost_at is not None:
                        self.away_s += time.monotonic() - lost_at
                        lost_at = None
                    self.subscribed.set()
                    reader = asyncio.create_task(self._read(ws))
                    stopper = asyncio.create_task(stop.wait())
                    await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
                    stopper.cancel()
                    if not reader.done():  # stopped: leave
                        reader.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await reader
                        return
                    with contextlib.suppress(ConnectionClosed):
                        reader.result()
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError):
                self.failed_connects += 1
            if self.connects and lost_at is None:
                lost_at = time.monotonic()
            await asyncio.sleep(0.2)

    async def _subscribe(self, ws: ClientConnection) -> None:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {self.token}"}}
        await ws.send(orjson.dumps(init).decode())
        async with asyncio.timeout(10):
            while True:
                message = orjson.loads(await ws.recv())
                if message.get("type") == "connection_ack":
                    break
                if message.get("type") == "ping":
                    await ws.send('{"type":"pong"}')
                elif message.get("type") != "pong":
                    raise ConnectionClosed(None, None)
        query, variables = self.document()
        subscribe = {
            "type": "subscribe",
            "id": "events",
            "payload": {"query": query, "variables": variables},
        }
        await ws.send(orjson.dumps(subscribe).decode())

    async def _read(self, ws: ClientConnection) -> None:
        """Until the subscription ends or the socket closes."""
        async for raw in ws:
            message: dict[str, Any] = orjson.loads(raw)
            kind = message.get("type")
            if kind == "next":
                payload = message["payload"]
                if payload.get("errors"):
                    self.stream_errors.append(_describe(payload["errors"]))
                    continue
                event_id = payload["data"]["domainEvents"]["id"]
                if event_id in self.seen:
                    self.duplicates += 1
                else:
                    self.seen.add(event_id)
                    self.received.append(event_id)
            elif kind == "ping":
                await ws.send('{"type":"pong"}')
            elif kind == "error":
                self.stream_errors.append(_describe(message.get("payload")))
                return
            elif kind == "complete":
                return


def _describe(errors: Any) -> str:
    first = errors[0] if isinstance(errors, list) and errors else errors
    if isinstance(first, dict):
        code = (first.get("extensions") or {}).get("code")
        return f"{code or ''} {first.get('message', '')}".strip()[:200]
    return str(first)[:200]
