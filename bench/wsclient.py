"""A graphql-transport-ws subscriber (websockets library) that timestamps every event it gets."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect

COMPANY_EVENTS = "subscription { companyEvents { id occurredOn aggregateId } }"
CREATE = (
    "mutation Create($input: CreateCompanyInput!) {"
    " createCompany(input: $input) { company { id } errors { code message } } }"
)

# Called with (aggregateId, perf_counter at arrival) for every event received.
OnEvent = Callable[[str, float], None]


class Subscriber:
    """One websocket, one `companyEvents` subscription; calls `on_event` per event received."""

    def __init__(
        self, port: int, token: str, on_event: OnEvent, *, compression: str | None
    ) -> None:
        self.url = f"ws://127.0.0.1:{port}/graphql"
        self.token = token
        self.on_event = on_event
        self.compression = compression
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.errors: list[str] = []

    async def start(self, limit_s: float = 30.0) -> None:
        async with asyncio.timeout(limit_s):
            self.ws = await connect(
                self.url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                compression=self.compression, ping_interval=None, proxy=None, max_size=None,
                open_timeout=limit_s,
            )  # fmt: skip
            await self.ws.send(orjson.dumps({
                "type": "connection_init", "payload": {"Authorization": f"Bearer {self.token}"}
            }).decode())  # fmt: skip
            ack = orjson.loads(await self.ws.recv())
            if ack.get("type") != "connection_ack":
                raise RuntimeError(f"no connection_ack: {ack}")
            await self.ws.send(orjson.dumps({
                "type": "subscribe", "id": "1", "payload": {"query": COMPANY_EVENTS}
            }).decode())  # fmt: skip
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                arrived = time.perf_counter()
                message: dict[str, Any] = orjson.loads(raw)
                kind = message.get("type")
                if kind == "next":
                    payload = message["payload"]
                    if payload.get("errors"):
                        self.errors.append(str(payload["errors"]))
                        continue
                    self.on_event(payload["data"]["companyEvents"]["aggregateId"], arrived)
                elif kind == "ping":
                    await self.ws.send('{"type":"pong"}')
                elif kind in ("error", "complete"):
                    self.errors.append(str(message))

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.reader
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), timeout=5)


def create_request(port: int, token: str, name: str) -> bytes:
    """A pre-encoded createCompany POST for bench.loadgen.HttpConnection."""
    from bench.loadgen import encode_request

    body = orjson.dumps({"query": CREATE, "variables": {"input": {"name": name}}})
    return encode_request(port, "/graphql", body, {"Authorization": f"Bearer {token}"})


def created_id(status: int, body: bytes) -> str:
    if status != 200:
        raise RuntimeError(f"createCompany answered {status}: {body[:300]!r}")
    payload = orjson.loads(body)
    if payload.get("errors") or payload["data"]["createCompany"]["errors"]:
        raise RuntimeError(f"createCompany failed: {body[:300]!r}")
    return str(payload["data"]["createCompany"]["company"]["id"])
