"""A minimal HTTP/1.1 keep-alive load generator (asyncio raw sockets, uvloop when present).

Each virtual client owns one connection and sends one pre-encoded POST at a time; responses are
parsed just enough to be counted: the status line and Content-Length, then the body is read.
Everything happens in protocol callbacks (no coroutine per request), so the generator costs
little CPU per request and is not what limits the measurement.

Run as a separate process:

    python -m bench.loadgen --spec spec.json --out result.json --concurrency 32 --warmup 2 \
        --duration 10 [--sample-every 97 --max-samples 40]

`spec.json` holds {"port": ..., "path": "/graphql", "headers": {...}, "body": "..."}. The result
(requests, req/s, latency percentiles, status counts, the generator's own CPU time) is written as
JSON to `--out`; progress goes to stderr. `--sample-every`/`--max-samples` keep a few response
bodies for checking.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import resource
import socket
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

HOST = "127.0.0.1"


def encode_request(port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {HOST}:{port}", "Content-Type: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines += [f"Content-Length: {len(body)}", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


class ResponseParser:
    """Incremental parser for Content-Length-framed HTTP/1.1 responses."""

    __slots__ = ("_buf", "_end", "_start", "_status")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._status = 0
        self._start = -1  # body start index, -1 while headers are incomplete
        self._end = -1

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """Add bytes; return every (status, body) now complete."""
        self._buf += data
        done: list[tuple[int, bytes]] = []
        while True:
            if self._start < 0:
                head_end = self._buf.find(b"\r\n\r\n")
                if head_end < 0:
                    return done
                head = bytes(self._buf[:head_end]).lower()
                self._status = int(head[9:12])
                at = head.find(b"\r\ncontent-length:")
                if at < 0:
                    raise ValueError("response without Content-Length (chunked?) is not supported")
                value_end = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : value_end if value_end > 0 else len(head)].strip())
                self._start = head_end + 4
                self._end = self._start + length
            if len(self._buf) < self._end:
                return done
            done.append((self._status, bytes(self._buf[self._start : self._end])))
            del self._buf[: self._end]
            self._start = self._end = -1


class _Client(asyncio.Protocol):
    def __init__(self, run: _Run) -> None:
        self.run = run
        self.parser = ResponseParser()
        self.transport: asyncio.Transport | None = None
        self.sent_at = 0.0
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        self.sent_at = time.perf_counter()
        self.transport.write(self.run.request)

    def data_received(self, data: bytes) -> None:
        try:
            responses = self.parser.feed(data)
        except ValueError as exc:
            self.run.fail(str(exc))
            return
        for status, body in responses:
            self.run.record(self.sent_at, status, body)
        if responses:
            if self.run.running:
                self.send()
            elif self.transport is not None:
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.run.running:
            self.run.fail(f"connection lost: {exc!r}")
        if not self.closed.done():
            self.closed.set_result(None)


class _Run:
    def __init__(self, request: bytes, sample_every: int, max_samples: int) -> None:
        self.request = request
        self.running = True
        self.measuring = False
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.samples: list[str] = []
        self.sample_every = sample_every
        self.max_samples = max_samples
        self.window_end = math.inf
        self.errors: list[str] = []
        self.total = 0

    def record(self, sent_at: float, status: int, body: bytes) -> None:
        now = time.perf_counter()
        self.total += 1
        if not self.measuring or now > self.window_end:
            return
        self.latencies.append(now - sent_at)
        self.statuses[status] += 1
        if (
            self.sample_every
            and len(self.latencies) % self.sample_every == 1
            and len(self.samples) < self.max_samples
        ):
            self.samples.append(body.decode("utf-8", "replace"))

    def fail(self, error: str) -> None:
        if len(self.errors) < 20:
            self.errors.append(error)


class _Sequential(asyncio.Protocol):
    def __init__(self) -> None:
        self.parser = ResponseParser()
        self.transport: asyncio.Transport | None = None
        self.lost = False
        self.waiter: asyncio.Future[tuple[int, bytes, float]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        for status, body in self.parser.feed(data):
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result((status, body, now))

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(f"connection lost: {exc!r}"))


class HttpConnection:
    """A keep-alive connection for sequential requests, with send/receive timestamps.

    Reconnects before a request when the server has closed the connection or it has been idle
    long enough for the server's keep-alive timeout (uvicorn: 5 s) to be near.
    """

    IDLE_S = 3.0

    def __init__(self, port: int) -> None:
        self.port = port
        self._proto: _Sequential | None = None
        self._last = 0.0

    @classmethod
    async def open(cls, port: int) -> HttpConnection:
        conn = cls(port)
        await conn._connect()
        return conn

    async def _connect(self) -> None:
        self.close()
        loop = asyncio.get_running_loop()
        _, self._proto = await loop.create_connection(_Sequential, HOST, self.port)
        self._last = time.perf_counter()

    async def request(self, raw: bytes, limit_s: float = 30.0) -> tuple[int, bytes, float, float]:
        """Send a pre-encoded request; (status, body, sent_at, received_at) in perf_counter s."""
        proto = self._proto
        if proto is None or proto.lost or time.perf_counter() - self._last > self.IDLE_S:
            await self._connect()
            proto = self._proto
        assert proto is not None and proto.transport is not None
        proto.waiter = asyncio.get_running_loop().create_future()
        sent_at = time.perf_counter()
        proto.transport.write(raw)
        status, body, received_at = await asyncio.wait_for(proto.waiter, limit_s)
        self._last = received_at
        return status, body, sent_at, received_at

    def close(self) -> None:
        if self._proto is not None and self._proto.transport is not None:
            self._proto.transport.close()
        self._proto = None


async def run_load(
    spec: dict[str, Any],
    *,
    concurrency: int,
    warmup: float,
    duration: float,
    sample_every: int = 0,
    max_samples: int = 0,
) -> dict[str, Any]:
    port = int(spec["port"])
    body = spec["body"].encode() if isinstance(spec["body"], str) else orjson.dumps(spec["body"])
    request = encode_request(port, spec.get("path", "/graphql"), body, spec.get("headers", {}))
    run = _Run(request, sample_every, max_samples)
    loop = asyncio.get_running_loop()
    clients: list[_Client] = []
    for _ in range(concurrency):
        _, client = await loop.create_connection(lambda: _Client(run), HOST, port)
        clients.append(client)
    print(f"loadgen: {concurrency} connections to :{port}, warm-up {warmup:g}s", file=sys.stderr)
    await asyncio.sleep(warmup)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    run.window_end = started + duration
    run.measuring = True
    print(f"loadgen: measuring {duration:g}s", file=sys.stderr, flush=True)
    await asyncio.sleep(duration)
    elapsed = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    run.running = False
    print("loadgen: window over", file=sys.stderr, flush=True)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(c.closed for c in clients)), timeout=10)
    for client in clients:
        if client.transport is not None:
            client.transport.abort()
    lat = sorted(run.latencies)

    def pct(q: float) -> float:
        return lat[max(1, math.ceil(q / 100 * len(lat))) - 1] if lat else math.nan

    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return {
        "concurrency": concurrency,
        "duration_s": elapsed,
        "requests": len(lat),
        "rps": len(lat) / elapsed if elapsed else 0.0,
        "p50_ms": pct(50) * 1000,
        "p90_ms": pct(90) * 1000,
        "p99_ms": pct(99) * 1000,
        "max_ms": (lat[-1] * 1000) if lat else math.nan,
        "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
        "errors": run.errors,
        "loadgen_cpu_s": cpu,
        "samples": run.samples,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path, help="where to write the JSON result")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--sample-every", type=int, default=0)
    parser.add_argument("--max-samples", type=int, default=0)
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= 1024 or not 0 < args.duration <= 120 or args.warmup > 60:
        parser.error("concurrency 1..1024, duration 0..120 s, warm-up at most 60 s")
    spec = orjson.loads(args.spec.read_bytes())
    if str(spec.get("host", HOST)) != HOST:
        parser.error("this load generator only targets 127.0.0.1")
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run  # type: ignore[assignment]
    result = runner(
        run_load(
            spec,
            concurrency=args.concurrency,
            warmup=args.warmup,
            duration=args.duration,
            sample_every=args.sample_every,
            max_samples=args.max_samples,
        )
    )
    args.out.write_bytes(orjson.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
