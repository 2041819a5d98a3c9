"""What one delivery attempt's outcome means: succeed, retry when, give up, or disable the endpoint.

The retry schedule is the Standard Webhooks / Svix one. Redirects are never followed (a 3xx is a
failure like any other), so a receiver cannot bounce our signed POST to an internal address.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

# Attempt k (1-based) is due RETRY_DELAYS[k-1] after the previous failure (the first: after the
# event). After the last one fails the message is failed for good.
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS)
# Statuses whose Retry-After we honour (rate limited / temporarily unavailable).
RETRY_AFTER_STATUSES = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER = timedelta(hours=24)
GONE = 410
DISABLE_AFTER = timedelta(days=5)
EXCERPT_BYTES = 1024


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None  # None: no response (timeout, refused, TLS error, refused redirect)
    retry_after: str | None = None  # the Retry-After header as sent
    error: str | None = None


class Verdict(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    RETRY = "RETRY"
    FAILED = "FAILED"
    DISABLE_ENDPOINT = "DISABLE_ENDPOINT"  # 410 Gone: the message is failed and the endpoint off


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    next_attempt_at: datetime | None = None  # only for RETRY


def parse_retry_after(value: str, now: datetime) -> timedelta | None:
    """Retry-After as delta-seconds or an HTTP-date; None when unreadable, 0 when in the past."""
    text = value.strip()
    if not text:
        return None
    if text.lstrip("+-").isdigit():
        return timedelta(seconds=max(0, int(text)))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP-dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(timedelta(0), when - now)


def decide(result: AttemptResult, attempts_made: int, now: datetime) -> Decision:
    """The verdict after `attempts_made` attempts (this one included) at `now`."""
    code = result.status_code
    if code is not None and 200 <= code < 300:
        return Decision(Verdict.SUCCEEDED)
    if code == GONE:
        return Decision(Verdict.DISABLE_ENDPOINT)
    if attempts_made >= MAX_ATTEMPTS:
        return Decision(Verdict.FAILED)
    delay = RETRY_DELAYS[attempts_made]
    if code in RETRY_AFTER_STATUSES and result.retry_after is not None:
        asked = parse_retry_after(result.retry_after, now)
        if asked is not None:
            delay = min(max(delay, asked), MAX_RETRY_AFTER)
    return Decision(Verdict.RETRY, now + delay)


def should_disable(failing_since: datetime | None, now: datetime) -> bool:
    """True when every attempt to the endpoint has failed since at least DISABLE_AFTER ago."""
    return failing_since is not None and now - failing_since >= DISABLE_AFTER


def excerpt(body: bytes, limit: int = EXCERPT_BYTES) -> str:
    """At most `limit` bytes of a response body as text, never ending in half a UTF-8 char."""
    # A non-final incremental decode holds back an incomplete trailing sequence instead of
    # turning it into U+FFFD; invalid bytes elsewhere still become U+FFFD.
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    return decoder.decode(body[:limit], final=False)


MAX_BODY_BYTES = 20_000  # "thin" deliveries: a receiver reads the rest through the API


def delivery_body(webhook_type: str, envelope: dict[str, Any], now: datetime) -> bytes:
    """The POST body `{type, timestamp, data}` with the event's envelope as `data`. An envelope
    too big for a thin delivery (an invoice with hundreds of lines) keeps its ids and the
    payload's plain values, marked `"truncated": true`; the receiver fetches the rest by
    `aggregateId`."""
    body = _body(webhook_type, envelope, now)
    if len(body) <= MAX_BODY_BYTES:
        return body
    payload = envelope.get("payload") or {}
    plain = {k: v for k, v in payload.items() if not isinstance(v, list | dict)}
    body = _body(webhook_type, {**envelope, "payload": {**plain, "truncated": True}}, now)
    if len(body) <= MAX_BODY_BYTES:
        return body
    return _body(webhook_type, {**envelope, "payload": {"truncated": True}}, now)


def _body(webhook_type: str, data: dict[str, Any], now: datetime) -> bytes:
    return json.dumps(
        {"type": webhook_type, "timestamp": now.isoformat(), "data": data},
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
