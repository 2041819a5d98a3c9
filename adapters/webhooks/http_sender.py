"""POSTs webhook messages to receivers (httpx): 15 s timeout, no redirects followed, the
response body read only up to the excerpt we keep.

The URL was checked when the endpoint was saved; it is checked again before each round's
calls to it (`refusal`), with a fresh DNS lookup, so a host that later resolves to a private
address (DNS rebinding) is refused at send time too.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
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
    """One small connection pool per endpoint: a slow endpoint holds only its own connections,
    and httpcore's pool, which scans every connection for every request, stays small."""

    MAX_POOLS = 256  # endpoints kept warm (keep-alive) in one worker process

    def __init__(
        self, *, timeout: float = 15.0, allow_private: bool = False, per_endpoint: int = 50
    ) -> None:
        self._allow_private = allow_private
        self._timeout = timeout
        self._per_endpoint = per_endpoint
        self._pools: OrderedDict[str, httpx.AsyncClient] = OrderedDict()
        self._closing: set[asyncio.Future[None]] = set()  # evicted pools closing (kept from GC)
        # One TLS context for every pool: loading the CA bundle is the costly part of a client.
        self._tls = httpx.create_ssl_context()

    def _pool(self, key: str) -> httpx.AsyncClient:
        pool = self._pools.get(key)
        if pool is not None:
            self._pools.move_to_end(key)
            return pool
        pool = self._pools[key] = httpx.AsyncClient(
            timeout=httpx.Timeout(self._timeout),
            follow_redirects=False,
            verify=self._tls,
            limits=httpx.Limits(
                max_connections=self._per_endpoint, max_keepalive_connections=self._per_endpoint
            ),
            trust_env=False,  # never through a proxy from the environment
        )
        while len(self._pools) > self.MAX_POOLS:
            _, oldest = self._pools.popitem(last=False)
            closing = asyncio.ensure_future(oldest.aclose())
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
        return pool

    async def close(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()

    async def refusal(self, url: str) -> str | None:
        """Why `url` may not be called now (its host resolves to a refused address), or None."""
        try:
            await asyncio.to_thread(
                check_endpoint_url, url, allow_private=self._allow_private, resolve=resolve_host
            )
        except DomainError as exc:
            return f"refused: {exc}"
        return None

    def refused(self, error: str) -> Sent:
        """The outcome of a call not made (see `refusal`)."""
        return self._no_answer(time.perf_counter(), error)

    async def post(self, url: str, headers: dict[str, str], body: bytes, *, endpoint: str) -> Sent:
        """POST `body` to `endpoint`'s `url`; the caller has checked `url` with `refusal`."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout):  # the whole call, not each read
                return await self._call(self._pool(endpoint), url, headers, body, started)
        except (TimeoutError, httpx.TimeoutException):
            return self._no_answer(started, "timed out")
        except httpx.HTTPError as exc:
            return self._no_answer(started, f"{type(exc).__name__}: {exc}"[:500])

    async def _call(
        self, pool: httpx.AsyncClient, url: str, headers: dict[str, str], body: bytes,
        started: float,
    ) -> Sent:  # fmt: skip
        async with pool.stream("POST", url, headers=headers, content=body) as response:
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
