from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from domain.webhooks.delivery import (
    DISABLE_AFTER,
    MAX_BODY_BYTES,
    RETRY_DELAYS,
    AttemptResult,
    Decision,
    Verdict,
    decide,
    delivery_body,
    excerpt,
    parse_retry_after,
    should_disable,
)

NOW = datetime(2026, 12, 7, 12, 0, 0, tzinfo=UTC)


def test_the_schedule_is_the_specs() -> None:
    assert [d.total_seconds() for d in RETRY_DELAYS] == [
        0,
        5,
        300,
        1800,
        7200,
        18000,
        36000,
        36000,
    ]


@pytest.mark.parametrize("code", [200, 201, 202, 204, 299])
def test_2xx_succeeds(code: int) -> None:
    assert decide(AttemptResult(code), 1, NOW) == Decision(Verdict.SUCCEEDED, None)
    assert decide(AttemptResult(code), 8, NOW).verdict is Verdict.SUCCEEDED


def test_410_disables_the_endpoint_even_on_the_first_attempt() -> None:
    assert decide(AttemptResult(410), 1, NOW) == Decision(Verdict.DISABLE_ENDPOINT, None)


@pytest.mark.parametrize("code", [None, 301, 302, 307, 400, 401, 404, 409, 422, 429, 500, 503])
def test_failures_retry_on_the_schedule(code: int | None) -> None:
    for attempts_made in range(1, 8):
        decision = decide(AttemptResult(code, None, "boom"), attempts_made, NOW)
        assert decision == Decision(Verdict.RETRY, NOW + RETRY_DELAYS[attempts_made])
    # Second attempt 5 s after the first failure, third 5 min after the second.
    assert decide(AttemptResult(code), 1, NOW).next_attempt_at == NOW + timedelta(seconds=5)
    assert decide(AttemptResult(code), 2, NOW).next_attempt_at == NOW + timedelta(minutes=5)


@pytest.mark.parametrize("code", [None, 302, 404, 500, 503])
def test_the_eighth_failure_is_final(code: int | None) -> None:
    assert decide(AttemptResult(code, "60"), 8, NOW) == Decision(Verdict.FAILED, None)


@pytest.mark.parametrize("code", [429, 502, 503, 504])
def test_retry_after_is_honoured_when_longer_than_the_schedule(code: int) -> None:
    # After attempt 1 the schedule says 5 s; the receiver asks for 2 min.
    assert decide(AttemptResult(code, "120"), 1, NOW).next_attempt_at == NOW + timedelta(minutes=2)
    # Shorter than the schedule: the schedule wins (after attempt 2 it says 5 min).
    assert decide(AttemptResult(code, "1"), 2, NOW).next_attempt_at == NOW + timedelta(minutes=5)
    # Capped at 24 h.
    assert decide(AttemptResult(code, "999999"), 1, NOW).next_attempt_at == NOW + timedelta(
        hours=24
    )
    # Unreadable: the schedule.
    assert decide(AttemptResult(code, "soon"), 1, NOW).next_attempt_at == NOW + timedelta(seconds=5)


@pytest.mark.parametrize("code", [400, 500, 501])
def test_retry_after_is_ignored_for_other_statuses(code: int) -> None:
    assert decide(AttemptResult(code, "3600"), 1, NOW).next_attempt_at == NOW + timedelta(seconds=5)


def test_retry_after_as_http_date() -> None:
    decision = decide(AttemptResult(503, "Mon, 07 Dec 2026 13:00:00 GMT"), 1, NOW)
    assert decision.next_attempt_at == NOW + timedelta(hours=1)


def test_parse_retry_after() -> None:
    assert parse_retry_after("120", NOW) == timedelta(seconds=120)
    assert parse_retry_after(" 0 ", NOW) == timedelta(0)
    assert parse_retry_after("-30", NOW) == timedelta(0)
    assert parse_retry_after("Mon, 07 Dec 2026 12:00:30 GMT", NOW) == timedelta(seconds=30)
    assert parse_retry_after("Sun, 06 Dec 2026 12:00:00 GMT", NOW) == timedelta(0)
    for garbage in ["", "soon", "12.5", "Mon, 99 Foo 2026", "1e3"]:
        assert parse_retry_after(garbage, NOW) is None


def test_should_disable_after_five_days_of_failures() -> None:
    assert not should_disable(None, NOW)
    assert not should_disable(NOW - DISABLE_AFTER + timedelta(seconds=1), NOW)
    assert should_disable(NOW - DISABLE_AFTER, NOW)
    assert should_disable(NOW - timedelta(days=30), NOW)


def test_excerpt_is_at_most_1kb_and_never_cuts_a_character() -> None:
    assert excerpt(b"ok") == "ok"
    assert excerpt(b"a" * 5000) == "a" * 1024
    # 1023 ASCII bytes then a 3-byte char: the char does not fit and is left out whole.
    text = excerpt(b"a" * 1023 + "€".encode() + b"tail")
    assert text == "a" * 1023
    assert len(text.encode()) <= 1024
    assert excerpt("é".encode() * 600) == "é" * 512
    # Bytes that are not UTF-8 are replaced, not an error.
    assert excerpt(b"\xff\xfeok") == "\ufffd\ufffdok"
    assert excerpt(b"abcdef", limit=3) == "abc"


def test_a_delivery_body_stays_thin_keeping_the_ids() -> None:
    now = datetime(2026, 12, 7, tzinfo=UTC)
    envelope = {
        "id": "e1",
        "eventType": "InvoicePosted",
        "aggregateId": "a1",
        "payload": {"invoiceNumber": "INV-1", "total": "10.0000",
                    "lines": [{"description": "x" * 100, "amount": "1.0000"}] * 500},
    }  # fmt: skip
    body = json.loads(delivery_body("invoice.posted", envelope, now))
    assert len(delivery_body("invoice.posted", envelope, now)) <= MAX_BODY_BYTES
    assert body["type"] == "invoice.posted" and body["data"]["aggregateId"] == "a1"
    assert body["data"]["payload"] == {"invoiceNumber": "INV-1", "total": "10.0000",
                                       "truncated": True}  # fmt: skip
    small = {**envelope, "payload": {"invoiceNumber": "INV-1"}}
    assert json.loads(delivery_body("invoice.posted", small, now))["data"] == small
