"""POSTs webhook messages to receivers (httpx): 15 s timeout, no redirects followed, the
response body read only up to the excerpt we keep.

The URL was checked when the endpoint was saved; it is checked again before each call, with
a fresh DNS lookup, so a host that later resolves to a private address (DNS rebinding) is
refused at send time too.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from domain.shared.errors import DomainError
from domain.webhooks.delivery import EXCERPT_BYTES, AttemptResult, excerpt
from domain.webhooks.url_policy import check_endpoint_url, resolve_host


@dataclass(frozen=True)
class Sent:
    result: AttemptResult
    duration_ms: int
    response_excerpt: str | None


class HttpWebhookSender:
    def __init__(self, *, timeout: float = 15.0, allow_private: bool = False) -> None:
        self._allow_private = allow_private
        self._timeout = timeout
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            # Many endpoints at once; one slow receiver holds only its own connections.
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            trust_env=False,  # never through a proxy from the environment
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def post(self, url: str, headers: dict[str, str], body: bytes) -> Sent:
        started = time.perf_counter()
        try:
            await asyncio.to_thread(
                check_endpoint_url, url, allow_private=self._allow_private, resolve=resolve_host
            )
        except DomainError as exc:
            return self._no_answer(started, f"refused: {exc}")
        try:
            async with asyncio.timeout(self._timeout):  # the whole call, not each read
                return await self._call(url, headers, body, started)
        except (TimeoutError, httpx.TimeoutException):
            return self._no_answer(started, "timed out")
        except httpx.HTTPError as exc:
            return self._no_answer(started, f"{type(exc).__name__}: {exc}"[:500])

    async def _call(self, url: str, headers: dict[str, str], body: bytes, started: float) -> Sent:
        async with self._client.stream("POST", url, headers=headers, content=body) as response:
            kept = bytearray()
            async for chunk in response.aiter_bytes():
                kept += chunk
                if len(kept) >= EXCERPT_BYTES:
                    break
            result = AttemptResult(response.status_code, response.headers.get("retry-after"), None)
            return Sent(result, _elapsed_ms(started), excerpt(bytes(kept)) or None)

    @staticmethod
    def _no_answer(started: float, error: str) -> Sent:
        return Sent(AttemptResult(None, None, error), _elapsed_ms(started), None)


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
