"""Fiscal years and their periods: open, closed or locked, and the dates they cover."""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.accounting.events import (
    FISCAL_YEAR_CREATED,
    PERIOD_CLOSED,
    PERIOD_LOCKED,
    PERIOD_REOPENED,
)
from domain.accounting.model.common import (
    FISCAL_PERIOD,
    FISCAL_YEAR,
    FISCAL_YEAR_NAME_MAX,
    MAX_PERIODS,
    _state_error,
)
from domain.shared.errors import DomainError, ErrorCode, ValidationErrors
from domain.shared.events import RecordedEvent


class PeriodStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    LOCKED = "locked"


def add_months(day: date, months: int, anchor_day: int | None = None) -> date:
    """`day` moved by whole months, on `anchor_day` (default: day's own) clamped to the month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    wanted = anchor_day or day.day
    return date(year, month, min(wanted, calendar.monthrange(year, month)[1]))


def month_start(day: date) -> date:
    return day.replace(day=1)


@dataclass
class FiscalPeriod:
    id: uuid.UUID
    fiscal_year_id: uuid.UUID
    company_id: uuid.UUID
    number: int
    start_date: date
    end_date: date
    status: PeriodStatus
    updated_at: datetime
    updated_by: uuid.UUID
    fiscal_year_end: date  # of its year: entry numbers carry that year (JE-2026-000001)
    version: int = 1
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    @property
    def label(self) -> str:
        return f"period {self.number} ({self.start_date.isoformat()} to {self.end_date})"

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date

    def close(self, *, actor: uuid.UUID, now: datetime) -> None:
        if self.status is not PeriodStatus.OPEN:
            raise _state_error(f"The {self.label} is {self.status.value}; only an open one closes.")
        self._move(PeriodStatus.CLOSED, PERIOD_CLOSED, actor, now)

    def reopen(self, *, actor: uuid.UUID, now: datetime) -> None:
        if self.status is PeriodStatus.LOCKED:
            raise _state_error(f"The {self.label} is locked; a locked period never reopens.")
        if self.status is not PeriodStatus.CLOSED:
            raise _state_error(f"The {self.label} is already open.")
        self._move(PeriodStatus.OPEN, PERIOD_REOPENED, actor, now)

    def lock(self, *, actor: uuid.UUID, now: datetime) -> None:
        if self.status is PeriodStatus.LOCKED:
            raise _state_error(f"The {self.label} is already locked.")
        self._move(PeriodStatus.LOCKED, PERIOD_LOCKED, actor, now)

    def ensure_open_for(self, day: date, field_name: str) -> None:
        if self.status is not PeriodStatus.OPEN:
            raise DomainError.single(
                ErrorCode.PERIOD_CLOSED,
                f"{day.isoformat()} falls in the {self.label}, which is {self.status.value}.",
                field_name,
            )

    def _move(self, status: PeriodStatus, event_type: str, actor: uuid.UUID, now: datetime) -> None:
        before = self.status
        self.status = status
        self.version += 1
        self.updated_at = now
        self.updated_by = actor
        self.events.append(
            RecordedEvent(
                event_type,
                FISCAL_PERIOD,
                self.id,
                {
                    "companyId": str(self.company_id),
                    "fiscalYearId": str(self.fiscal_year_id),
                    "number": self.number,
                    "startDate": self.start_date.isoformat(),
                    "endDate": self.end_date.isoformat(),
                    "version": self.version,
                    "changes": {"status": {"before": before.name, "after": status.name}},
                },
                now,
            )
        )


@dataclass
class FiscalYear:
    id: uuid.UUID
    company_id: uuid.UUID
    name: str
    start_date: date
    end_date: date
    periods: list[FiscalPeriod]
    created_at: datetime
    created_by: uuid.UUID
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def create(
        cls,
        *,
        company_id: uuid.UUID,
        start_date: date,
        end_date: date | None,
        name: str | None,
        existing: Sequence[tuple[date, date]],
        actor: uuid.UUID,
        now: datetime,
    ) -> FiscalYear:
        """Monthly periods from `start_date` (end: a year later, less a day, by default)."""
        errors = ValidationErrors()
        end = end_date or add_months(start_date, 12) - timedelta(days=1)
        if end < start_date:
            errors.add("endDate", "The year ends before it starts.")
        elif end >= add_months(start_date, MAX_PERIODS):
            errors.add("endDate", f"A fiscal year runs at most {MAX_PERIODS} months.")
        label = (name or "").strip() or f"FY{end.year}"
        if len(label) > FISCAL_YEAR_NAME_MAX:
            errors.add("name", f"Name is longer than {FISCAL_YEAR_NAME_MAX} characters.")
        for other_start, other_end in existing:
            if start_date <= other_end and other_start <= end:
                errors.add(
                    "startDate",
                    f"It overlaps the fiscal year {other_start.isoformat()} to "
                    f"{other_end.isoformat()}.",
                    ErrorCode.CONFLICT,
                )
                break
        errors.raise_if_any()
        year_id = uuid.uuid4()
        periods: list[FiscalPeriod] = []
        begin, number = start_date, 1
        while begin <= end:
            following = add_months(start_date, number, anchor_day=start_date.day)
            periods.append(
                FiscalPeriod(
                    id=uuid.uuid4(),
                    fiscal_year_id=year_id,
                    company_id=company_id,
                    number=number,
                    start_date=begin,
                    end_date=min(following - timedelta(days=1), end),
                    status=PeriodStatus.OPEN,
                    updated_at=now,
                    updated_by=actor,
                    fiscal_year_end=end,
                )
            )
            begin, number = following, number + 1
        year = cls(
            id=year_id,
            company_id=company_id,
            name=label,
            start_date=start_date,
            end_date=end,
            periods=periods,
            created_at=now,
            created_by=actor,
        )
        year.events.append(
            RecordedEvent(
                FISCAL_YEAR_CREATED,
                FISCAL_YEAR,
                year.id,
                {
                    "companyId": str(company_id),
                    "id": str(year.id),
                    "name": label,
                    "startDate": start_date.isoformat(),
                    "endDate": end.isoformat(),
                    "periods": len(periods),
                },
                now,
            )
        )
        return year

    def months(self) -> list[date]:
        """The first day of every calendar month the year touches."""
        out, current = [], month_start(self.start_date)
        while current <= self.end_date:
            out.append(current)
            current = add_months(current, 1)
        return out
