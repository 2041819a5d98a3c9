"""Pure ASGI middleware (no BaseHTTPMiddleware: it costs throughput and breaks streaming)."""

from __future__ import annotations

import logging
import re
import time
import uuid

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.logging import request_id_var, tenant_id_var, user_id_var

logger = logging.getLogger("bigledger.access")
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_QUIET_PATHS = frozenset({"/healthz", "/readyz"})


class BodyTooLarge(Exception):
    pass


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-Id), bounds the body (HTTP) or each frame
    (websockets) by the same limit, logs the outcome. A multipart request (a GraphQL upload)
    has a limit of its own, `max_upload_bytes`: the tenant's plan bounds each file further."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int | None = None
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes or max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        offered = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = offered if _CLIENT_REQUEST_ID.match(offered) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        tokens = (request_id_var.set(request_id), tenant_id_var.set(None), user_id_var.set(None))
        started = time.perf_counter()
        status = 0

        if scope["type"] == "http":
            multipart = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
            limit = self.max_upload_bytes if multipart else self.max_body_bytes
            declared = headers.get(b"content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                await _too_large(send, request_id, limit)
                status = 413
                self._log(scope, status, started)
                return
            received = 0

            async def bounded_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        raise BodyTooLarge
                return message

            async def send_with_id(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    message.setdefault("headers", [])
                    message["headers"] = [
                        *message["headers"],
                        (b"x-request-id", request_id.encode()),
                    ]
                await send(message)

            try:
                await self.app(scope, bounded_receive, send_with_id)
            except BodyTooLarge:
                if status == 0:
                    await _too_large(send, request_id, limit)
                    status = 413
            finally:
                self._log(scope, status, started)
                for var, token in zip(
                    (request_id_var, tenant_id_var, user_id_var), tokens, strict=True
                ):
                    var.reset(token)
        else:
            receive, send = self._bounded_frames(receive, send)
            try:
                await self.app(scope, receive, send)
            finally:
                for var, token in zip(
                    (request_id_var, tenant_id_var, user_id_var), tokens, strict=True
                ):
                    var.reset(token)

    def _bounded_frames(self, receive: Receive, send: Send) -> tuple[Receive, Send]:
        """The body limit for websockets: a frame over it closes the socket (1009, "message
        too big") before the app sees it, and the app is told the client has gone."""
        limit = self.max_body_bytes
        closed = False

        async def bounded_receive() -> Message:
            nonlocal closed
            message = await receive()
            if message["type"] == "websocket.receive" and _frame_size(message, limit) > limit:
                closed = True
                await send({"type": "websocket.close", "code": 1009,
                            "reason": f"Message exceeds {limit} bytes."})  # fmt: skip
                return {"type": "websocket.disconnect", "code": 1009}
            return message

        async def send_until_closed(message: Message) -> None:
            nonlocal closed
            if closed:
                return  # the socket is closed already; the app has not noticed yet
            if message["type"] == "websocket.close":
                closed = True
            await send(message)

        return bounded_receive, send_until_closed

    @staticmethod
    def _log(scope: Scope, status: int, started: float) -> None:
        if scope["path"] in _QUIET_PATHS and status < 400:
            return
        logger.info(
            "request",
            extra={
                "method": scope.get("method"),
                "path": scope["path"],
                "status": status,
                "durationMs": round((time.perf_counter() - started) * 1000, 2),
            },
        )


def _frame_size(message: Message, limit: int) -> int:
    if message.get("bytes") is not None:
        return len(message["bytes"])
    text = message.get("text") or ""
    # UTF-8 takes 1 to 4 bytes a character: encode only when the answer is not plain.
    return len(text.encode()) if limit // 4 < len(text) <= limit else len(text)


async def _too_large(send: Send, request_id: str, limit: int) -> None:
    body = orjson.dumps(
        {"errors": [{"message": f"Request body exceeds {limit} bytes.",
                     "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}
    )  # fmt: skip
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
