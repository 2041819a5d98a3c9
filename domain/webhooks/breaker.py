"""A circuit breaker per endpoint, so a dead endpoint stops taking worker time from the others.

Closed: deliveries go. After OPEN_AFTER consecutive failures it opens for 30 s; when that is over
it is half-open and one probe may go: success closes it, failure re-opens it for twice as long
(capped at 10 min). A pure value: the caller stores it and makes sure only one probe is in flight.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

OPEN_AFTER = 5
FIRST_OPEN = timedelta(seconds=30)
MAX_OPEN = timedelta(minutes=10)


def open_duration(opened_times: int) -> timedelta:
    """How long the breaker stays open the `opened_times`-th time in a row (1-based)."""
    # Stop doubling once past the cap so a long outage cannot overflow timedelta.
    if opened_times > 20:
        return MAX_OPEN
    return min(FIRST_OPEN * 2 ** max(0, opened_times - 1), MAX_OPEN)


@dataclass(frozen=True)
class Breaker:
    consecutive_failures: int = 0
    open_until: datetime | None = None
    opened_times: int = 0  # re-openings since it last closed; sets the next open duration

    def state(self, now: datetime) -> Literal["closed", "open", "half_open"]:
        if self.open_until is None:
            return "closed"
        return "open" if now < self.open_until else "half_open"

    def allows(self, now: datetime) -> bool:
        return self.state(now) != "open"

    def half_open(self, now: datetime) -> bool:
        return self.state(now) == "half_open"

    def after_success(self) -> Breaker:
        return Breaker()

    def after_failure(self, now: datetime) -> Breaker:
        failures = self.consecutive_failures + 1
        state = self.state(now)
        if state == "open":
            # An attempt that started before the breaker opened: counted, the period unchanged.
            return replace(self, consecutive_failures=failures)
        if state == "half_open" or failures >= OPEN_AFTER:
            opened = self.opened_times + 1
            return Breaker(failures, now + open_duration(opened), opened)
        return replace(self, consecutive_failures=failures)
