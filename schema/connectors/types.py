"""Connectors as the API shows them. Credentials are write-only: the API says whether a
connector has some (`hasCredentials`), never what they are."""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

import strawberry

from domain.connectors.exchange_rates import ExchangeRateSettings as SettingsValue
from domain.connectors.exchange_rates import RateType
from domain.connectors.model import Connector as ConnectorValue
from domain.connectors.model import ConnectorKind, Schedule
from schema.errors import UserError
from schema.jobs.types import Job

ConnectorKindType = strawberry.enum(
    ConnectorKind,
    name="ConnectorKind",
    description="Which outside system a connector talks to (EXCHANGE_RATES: a daily rate feed "
    "in Bank Negara Malaysia's API shape).",
)
RateTypeType = strawberry.enum(
    RateType, name="RateType", description="Which of the source's rates is loaded."
)
ConnectorScheduleType = strawberry.enum(
    Schedule,
    name="ConnectorSchedule",
    description="DAILY: run once a day by the scheduler; MANUAL: only when asked (runConnector).",
)


@strawberry.type(name="ConnectorSettings")
class ConnectorSettings:
    base_url: str
    currencies: list[str] = strawberry.field(description="Empty: every currency the source has.")
    rate_type: RateTypeType  # type: ignore[valid-type]


@strawberry.type(description="A company's link to an outside system; each run is a job.")
class Connector:
    id: strawberry.ID
    company_id: strawberry.ID
    kind: ConnectorKindType  # type: ignore[valid-type]
    name: str
    settings: ConnectorSettings
    enabled: bool
    schedule: ConnectorScheduleType  # type: ignore[valid-type]
    has_credentials: bool = strawberry.field(
        description="Whether credentials are stored (they are never shown)."
    )
    last_date: date | None = strawberry.field(
        description="The last day whose rates a run loaded (the connector's cursor)."
    )
    last_job_id: strawberry.ID | None = strawberry.field(description="The last run (job(id:)).")
    last_run_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, connector: ConnectorValue, has_credentials: bool | None = None) -> Self:
        settings = SettingsValue.from_json(connector.settings)
        last = connector.state.get("lastDate")
        return cls(
            id=strawberry.ID(str(connector.id)),
            company_id=strawberry.ID(str(connector.company_id)),
            kind=connector.kind,
            name=connector.name,
            settings=ConnectorSettings(
                base_url=settings.base_url,
                currencies=list(settings.currencies),
                rate_type=settings.rate_type,
            ),
            enabled=connector.enabled,
            schedule=connector.schedule,
            has_credentials=(
                connector.has_credentials if has_credentials is None else has_credentials
            ),
            last_date=date.fromisoformat(last) if last else None,
            last_job_id=strawberry.ID(str(connector.last_job_id))
            if connector.last_job_id
            else None,
            last_run_at=connector.last_run_at,
            created_at=connector.created_at,
            updated_at=connector.updated_at,
        )


@strawberry.input
class ConnectorSettingsInput:
    base_url: str | None = strawberry.field(
        default=None,
        description="The source's API root (default: https://api.bnm.gov.my/public); https, "
        "and a public address (plain http only to loopback outside production).",
    )
    currencies: list[str] | None = strawberry.field(
        default=None, description="ISO 4217 codes to load; empty or null: every one."
    )
    rate_type: RateTypeType | None = None  # type: ignore[valid-type]


@strawberry.input(description="Secrets the source needs; stored encrypted, never shown back.")
class ConnectorCredentialsInput:
    api_key: str | None = strawberry.field(
        default=None, description="Sent as `Authorization: Bearer <apiKey>`."
    )

    def as_dict(self) -> dict[str, str]:
        return {"apiKey": self.api_key} if self.api_key else {}


@strawberry.input
class CreateConnectorInput:
    kind: ConnectorKindType  # type: ignore[valid-type]
    company_id: strawberry.ID
    settings: ConnectorSettingsInput
    name: str = "Exchange rates"
    credentials: ConnectorCredentialsInput | None = None
    enabled: bool = True
    schedule: ConnectorScheduleType = Schedule.DAILY  # type: ignore[valid-type]


@strawberry.input
class UpdateConnectorInput:
    id: strawberry.ID
    name: str | None = None
    settings: ConnectorSettingsInput | None = None
    credentials: ConnectorCredentialsInput | None = strawberry.field(
        default=None, description="Replaces the stored ones; `{}` (no key) forgets them."
    )
    enabled: bool | None = None
    schedule: ConnectorScheduleType | None = None  # type: ignore[valid-type]


@strawberry.type
class ConnectorError(UserError):
    pass


@strawberry.type
class CreateConnectorPayload:
    connector: Connector | None
    errors: list[ConnectorError]


@strawberry.type
class UpdateConnectorPayload:
    connector: Connector | None
    errors: list[ConnectorError]


@strawberry.type
class DeleteConnectorPayload:
    deleted_id: strawberry.ID | None
    errors: list[ConnectorError]


@strawberry.type
class RunConnectorPayload:
    job: Job | None = strawberry.field(
        description="The run (a job: state, progress, error report); an unfinished run of the "
        "connector is returned again instead of starting another."
    )
    errors: list[ConnectorError]
