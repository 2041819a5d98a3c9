"""Aging of open items (receivables and payables): how long past its due date a document is.

A document due today or later is CURRENT; one day late is in 1-30, and so on. "Today" is the
caller's business date — the tenant's local date, not the server's (see `today_in`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo


class AgingBucket(StrEnum):
    CURRENT = "current"
    DAYS_1_30 = "days_1_30"
    DAYS_31_60 = "days_31_60"
    DAYS_61_90 = "days_61_90"
    OVER_90 = "over_90"


BUCKET_ORDER: tuple[AgingBucket, ...] = tuple(AgingBucket)


def overdue_days(due: date, today: date) -> int:
    """Days past due; 0 when not yet due (or due today)."""
    return max(0, (today - due).days)


# The days past due each bucket holds (first, last; None: no end), in bucket order. The one
# definition of the buckets: payables are bucketed here (`bucket`), receivables in SQL from the
# same table (`db/readmodels/sales.py::ar_aging`).
BUCKET_DAYS: Mapping[AgingBucket, tuple[int, int | None]] = MappingProxyType(
    {
        AgingBucket.CURRENT: (0, 0),
        AgingBucket.DAYS_1_30: (1, 30),
        AgingBucket.DAYS_31_60: (31, 60),
        AgingBucket.DAYS_61_90: (61, 90),
        AgingBucket.OVER_90: (91, None),
    }
)


def bucket(due: date, today: date) -> AgingBucket:
    days = overdue_days(due, today)
    return next(name for name, (_, last) in BUCKET_DAYS.items() if last is None or days <= last)


def today_in(timezone: str | None, now: datetime | None = None) -> date:
    """The calendar date in `timezone` (an IANA name; None or unknown: UTC) at `now`."""
    moment = now or datetime.now(UTC)
    try:
        return moment.astimezone(ZoneInfo(timezone)).date() if timezone else moment.date()
    except (KeyError, ValueError):
        return moment.date()
