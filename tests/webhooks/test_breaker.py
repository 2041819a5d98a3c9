from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.webhooks.breaker import OPEN_AFTER, Breaker, open_duration

NOW = datetime(2026, 12, 7, 12, 0, 0, tzinfo=UTC)


def _fail(b: Breaker, times: int, now: datetime = NOW) -> Breaker:
    for _ in range(times):
        b = b.after_failure(now)
    return b


def test_closed_until_five_consecutive_failures() -> None:
    b = _fail(Breaker(), OPEN_AFTER - 1)
    assert b.state(NOW) == "closed" and b.allows(NOW) and not b.half_open(NOW)
    b = b.after_failure(NOW)
    assert b.state(NOW) == "open" and not b.allows(NOW)
    assert b.open_until == NOW + timedelta(seconds=30)
    assert b.opened_times == 1


def test_a_success_resets_the_count() -> None:
    b = _fail(Breaker(), OPEN_AFTER - 1).after_success()
    assert b == Breaker()
    assert _fail(b, OPEN_AFTER - 1).state(NOW) == "closed"


def test_half_open_after_the_open_period_allows_a_probe() -> None:
    b = _fail(Breaker(), OPEN_AFTER)
    later = NOW + timedelta(seconds=30)
    assert b.state(later - timedelta(microseconds=1)) == "open"
    assert b.state(later) == "half_open" and b.half_open(later) and b.allows(later)


def test_a_successful_probe_closes() -> None:
    b = _fail(Breaker(), OPEN_AFTER)
    later = NOW + timedelta(seconds=31)
    closed = b.after_success()
    assert closed.state(later) == "closed" and closed.opened_times == 0


def test_a_failed_probe_reopens_for_twice_as_long_capped_at_ten_minutes() -> None:
    b = _fail(Breaker(), OPEN_AFTER)
    now = NOW
    expected = [60, 120, 240, 480, 600, 600]
    for seconds in expected:
        now = b.open_until  # type: ignore[assignment]
        assert b.half_open(now)
        b = b.after_failure(now)
        assert b.state(now) == "open"
        assert b.open_until == now + timedelta(seconds=seconds)
    assert b.opened_times == 1 + len(expected)


def test_failures_while_open_do_not_extend_the_period() -> None:
    b = _fail(Breaker(), OPEN_AFTER)
    again = b.after_failure(NOW + timedelta(seconds=10))
    assert again.open_until == b.open_until
    assert again.consecutive_failures == OPEN_AFTER + 1


def test_open_duration_never_overflows() -> None:
    assert open_duration(1) == timedelta(seconds=30)
    assert open_duration(10_000) == timedelta(minutes=10)
