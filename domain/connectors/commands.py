"""What a client may ask of its connectors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from domain.connectors.exchange_rates import RateType
from domain.connectors.model import ConnectorKind, Schedule


@dataclass(frozen=True)
class SettingsInput:
    """The exchange-rate connector's settings as given (None: keep / the default)."""

    base_url: str | None = None
    currencies: tuple[str, ...] | None = None
    rate_type: RateType | None = None


@dataclass(frozen=True)
class CreateConnector:
    company_id: uuid.UUID
    kind: ConnectorKind
    name: str
    settings: SettingsInput
    credentials: dict[str, str] | None = None
    enabled: bool = True
    schedule: Schedule = Schedule.DAILY


@dataclass(frozen=True)
class UpdateConnector:
    connector_id: uuid.UUID
    name: str | None = None
    settings: SettingsInput | None = None
    credentials: dict[str, str] | None = None  # None: keep; {}: forget them
    enabled: bool | None = None
    schedule: Schedule | None = None


@dataclass(frozen=True)
class DeleteConnector:
    connector_id: uuid.UUID


@dataclass(frozen=True)
class RunConnector:
    connector_id: uuid.UUID
    # Set by the daily schedule: one run per connector and day, however often beat fires.
    scheduled_for: date | None = None
