"""The connector aggregate: which outside system, for which company, with which settings.

Credentials are held in clear only in memory (the repository seals them with the key ring) and
are never shown back: the API answers only whether there are some. `state` is the connector's
cursor (for the exchange rates: the last date loaded), changed only by a run that committed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.shared.errors import DomainError, ErrorCode

MAX_NAME = 100


class ConnectorKind(StrEnum):
    EXCHANGE_RATES = "exchange_rates"


class Schedule(StrEnum):
    DAILY = "daily"  # run by Celery beat once a day (BIGLEDGER_CONNECTORS_DAILY_HOUR, UTC)
    MANUAL = "manual"  # only runConnector / `bigledger connectors run`


@dataclass
class Connector:
    id: uuid.UUID
    company_id: uuid.UUID
    kind: ConnectorKind
    name: str
    settings: dict[str, Any]  # the kind's settings, as its module normalised them
    credentials: dict[str, str] | None
    enabled: bool
    schedule: Schedule
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    state: dict[str, Any] = field(default_factory=dict)
    last_job_id: uuid.UUID | None = None
    last_run_at: datetime | None = None

    @classmethod
    def create(
        cls,
        *,
        company_id: uuid.UUID,
        kind: ConnectorKind,
        name: str,
        settings: dict[str, Any],
        credentials: dict[str, str] | None,
        enabled: bool,
        schedule: Schedule,
        actor: uuid.UUID,
        now: datetime,
    ) -> Connector:
        return cls(
            id=uuid.uuid4(),
            company_id=company_id,
            kind=kind,
            name=checked_name(name),
            settings=settings,
            credentials=credentials or None,
            enabled=enabled,
            schedule=schedule,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials)

    def ran(self, job_id: uuid.UUID, now: datetime) -> None:
        self.last_job_id = job_id
        self.last_run_at = now
        self.updated_at = now


def checked_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise DomainError.single(
            ErrorCode.INVALID, f"A connector's name has 1 to {MAX_NAME} characters.", "name"
        )
    return name
