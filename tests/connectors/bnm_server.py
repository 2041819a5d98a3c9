"""A local stand-in for Bank Negara Malaysia's rates API on a real socket: it answers
`GET /exchange-rate` with the body (or status) the test scripts, and records each request's
path and headers. The tests never call the internet."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]


class BnmServer:
    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.status = 200
        self.body = b"{}"
        self.delay = 0.0  # seconds before answering (a source that hangs)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
                status, body = server.status, server.body
                if server.delay:
                    time.sleep(server.delay)
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/vnd.BNM.API.v1+json")
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up waiting (its timeout)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/public"

    def answer(self, records: list[dict[str, Any]] | None = None, *, status: int = 200,
               raw: str | None = None) -> None:  # fmt: skip
        """The next answers: BNM's shape around `records` (written as JSON text, so a rate
        like 4.4312 reaches the client as that text), or `raw` text, with `status`."""
        self.status = status
        if raw is None:
            raw = json.dumps(
                {"data": records or [], "meta": {"quote": "rm", "session": "1200",
                                                 "last_updated": "2026-12-07 12:00:00"}}
            )  # fmt: skip
        self.body = raw.encode()

    def __enter__(self) -> BnmServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def record(code: str, middle: Any, *, unit: int = 1, day: str = "2026-12-07") -> dict[str, Any]:
    """One currency as BNM writes it (buying and selling around the middle rate)."""
    return {
        "currency_code": code,
        "unit": unit,
        "rate": {"date": day, "buying_rate": middle, "selling_rate": middle,
                 "middle_rate": middle},
    }  # fmt: skip
