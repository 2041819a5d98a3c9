"""Command handlers of connectors: one function per command, one transaction per call.

Connectors are a tenant resource (`connector:manage`, `connector:run`) that works inside one
company, so the caller must also be able to enter that company (else: not found) and hold what
the connector writes there: for the exchange rates, `journal:create` in the company, the
permission of setExchangeRate. A run is a job (domain/jobs): `start_run` queues it, a worker
pulls the source and `load_exchange_rates` commits the checked rates, in one unit of work, with
setExchangeRate's own handler."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, Self

from domain.accounting.currency_handlers import SetExchangeRate, set_exchange_rate
from domain.accounting.ports import AccountingUnitOfWork
from domain.connectors.commands import (
    CreateConnector,
    DeleteConnector,
    RunConnector,
    SettingsInput,
    UpdateConnector,
)
from domain.connectors.exchange_rates import (
    BNM_BASE_URL,
    ExchangeRateSettings,
    LoadedRate,
    RateType,
    check_settings,
)
from domain.connectors.model import Connector, checked_name
from domain.connectors.ports import ConnectorRepository
from domain.identity.access import AccessGrants
from domain.jobs.model import ACTIVE_STATES, Job, JobKind, JobState
from domain.jobs.ports import JobRepository
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError, ErrorCode, FieldError, NotFound
from domain.shared.events import EventOrigin, RecordedEvent
from domain.shared.unit_of_work import UnitOfWork
from domain.webhooks.ports import UrlPolicy

JOB_FILE_FORMAT = "http"  # a connector run's job reads no file: it pulls over HTTP


@dataclass(frozen=True)
class _CheckedUrl:
    """The base URL as it will be called (None: not given), or why it is refused. Checked
    before the transaction opens: the check resolves the host (a DNS lookup)."""

    url: str | None
    errors: tuple[FieldError, ...] = ()


async def _checked_url(given: SettingsInput | None, urls: UrlPolicy) -> _CheckedUrl:
    if given is None or given.base_url is None:
        return _CheckedUrl(None)
    try:
        return _CheckedUrl((await urls.check(given.base_url)).rstrip("/"))
    except DomainError as exc:
        return _CheckedUrl(
            None,
            tuple(
                replace(
                    e,
                    field="settings.baseUrl",
                    message=e.message.replace("The endpoint URL", "The base URL"),
                )
                for e in exc.errors
            ),
        )


def _checked_settings(
    given: SettingsInput,
    current: ExchangeRateSettings | None,
    base_currency: str,
    url: _CheckedUrl,
) -> ExchangeRateSettings:
    """The settings after `given` (None fields keep `current` or take the default); URL and
    currency problems reported together."""
    errors = list(url.errors)
    base_url = url.url or (current.base_url if current is not None else BNM_BASE_URL)
    currencies = current.currencies if current is not None else ()
    try:
        if given.currencies is not None:
            currencies = check_settings(given.currencies, base_currency)
        else:
            check_settings((), base_currency)  # the company's currency still fits the source
    except DomainError as exc:
        errors += exc.errors
    if errors:
        raise DomainError(errors)
    rate_type = given.rate_type or (current.rate_type if current else RateType.MIDDLE)
    return ExchangeRateSettings(base_url=base_url, currencies=currencies, rate_type=rate_type)


def _checked_credentials(credentials: dict[str, str] | None) -> dict[str, str] | None:
    if credentials is None:
        return None
    kept = {k: v for k, v in credentials.items() if v}
    if any(len(v) > 4000 for v in kept.values()):
        raise DomainError.single(
            ErrorCode.INVALID, "A credential has at most 4,000 characters.", "credentials"
        )
    return kept


async def create_connector(
    cmd: CreateConnector,
    uow: UnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    *,
    connectors: ConnectorRepository,
    urls: UrlPolicy,
) -> Connector:
    grants.check("connector", "manage")
    if not grants.can_enter(cmd.company_id):
        raise NotFound("Company", "companyId")
    grants.check("journal", "create", company_id=cmd.company_id)
    name = checked_name(cmd.name)
    credentials = _checked_credentials(cmd.credentials)
    url = await _checked_url(cmd.settings, urls)
    async with uow:
        base = await connectors.company_currency(cmd.company_id)
        if base is None:
            raise NotFound("Company", "companyId")
        settings = _checked_settings(cmd.settings, None, base, url)
        if await connectors.name_taken(cmd.company_id, name):
            raise DomainError.single(
                ErrorCode.DUPLICATE, f"The company has a connector named {name!r}.", "name"
            )
        connector = Connector.create(
            company_id=cmd.company_id,
            kind=cmd.kind,
            name=name,
            settings=settings.to_json(),
            credentials=credentials,
            enabled=cmd.enabled,
            schedule=cmd.schedule,
            actor=origin.user_id,
            now=utcnow(),
        )
        await connectors.add(connector)
        await uow.commit()
    return connector


async def _connector(
    connectors: ConnectorRepository, connector_id: uuid.UUID, grants: AccessGrants
) -> Connector:
    connector = await connectors.get(connector_id, for_update=True)
    if connector is None or not grants.can_enter(connector.company_id):
        raise NotFound("Connector", "id")
    return connector


async def update_connector(
    cmd: UpdateConnector,
    uow: UnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    *,
    connectors: ConnectorRepository,
    urls: UrlPolicy,
) -> Connector:
    grants.check("connector", "manage")
    credentials = _checked_credentials(cmd.credentials)
    url = await _checked_url(cmd.settings, urls)
    async with uow:
        connector = await _connector(connectors, cmd.connector_id, grants)
        grants.check("journal", "create", company_id=connector.company_id)
        if cmd.name is not None:
            name = checked_name(cmd.name)
            if name != connector.name and await connectors.name_taken(
                connector.company_id, name, other_than=connector.id
            ):
                raise DomainError.single(
                    ErrorCode.DUPLICATE, f"The company has a connector named {name!r}.", "name"
                )
            connector.name = name
        if cmd.settings is not None:
            base = await connectors.company_currency(connector.company_id)
            assert base is not None  # the connector's company exists
            current = ExchangeRateSettings.from_json(connector.settings)
            connector.settings = _checked_settings(cmd.settings, current, base, url).to_json()
        if credentials is not None:
            connector.credentials = credentials or None
        if cmd.enabled is not None:
            connector.enabled = cmd.enabled
        if cmd.schedule is not None:
            connector.schedule = cmd.schedule
        connector.updated_at = utcnow()
        await connectors.save(connector)
        await uow.commit()
    return connector


async def delete_connector(
    cmd: DeleteConnector,
    uow: UnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    *,
    connectors: ConnectorRepository,
) -> uuid.UUID:
    """The connector goes; its past runs stay as jobs, and the rates they loaded stay."""
    grants.check("connector", "manage")
    async with uow:
        connector = await _connector(connectors, cmd.connector_id, grants)
        await connectors.delete(connector.id)
        await uow.commit()
    return connector.id


@dataclass(frozen=True)
class RunStarted:
    job: Job
    created: bool  # False: the run already queued or running (or today's scheduled one)


async def start_run(
    cmd: RunConnector,
    uow: UnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    *,
    connectors: ConnectorRepository,
    jobs: JobRepository,
) -> RunStarted:
    """Queue a run as a job (the caller then hands its id to a worker)."""
    grants.check("connector", "run")
    now = utcnow()
    async with uow:
        connector = await _connector(connectors, cmd.connector_id, grants)
        grants.check("journal", "create", company_id=connector.company_id)
        if not connector.enabled:
            raise DomainError.single(
                ErrorCode.INVALID_STATE, "The connector is disabled; enable it first.", "id"
            )
        if connector.last_job_id is not None:
            last = await jobs.get(connector.last_job_id)
            if last is not None and last.state in ACTIVE_STATES:
                return RunStarted(last, created=False)
        day = cmd.scheduled_for
        job = Job.start(
            company_id=connector.company_id,
            kind=JobKind.CONNECTOR_RUN,
            dry_run=False,
            file_name=connector.name,
            file_format=JOB_FILE_FORMAT,
            file_size=0,
            fingerprint=hashlib.sha256(f"{connector.id}:{day}".encode()).hexdigest(),
            idempotency_key=f"connector:{connector.id}:{day.isoformat()}" if day else None,
            options={"connectorId": str(connector.id)},
            batch_size=None,
            actor=origin.user_id,
            now=now,
        )
        prior = await jobs.claim(job, b"")
        if prior is not None:
            return RunStarted(prior, created=False)
        connector.ran(job.id, now)
        await connectors.save(connector)
        uow.record(job.events)
        await uow.commit()
    return RunStarted(job, created=True)


# -- the run's commit ----------------------------------------------------------------------------


class RunJobs(Protocol):
    async def get(self, job_id: uuid.UUID, *, for_update: bool = False) -> Job | None: ...

    async def save(self, job: Job) -> None: ...


@dataclass(frozen=True)
class LoadExchangeRates:
    job_id: uuid.UUID
    connector_id: uuid.UUID
    rates: tuple[LoadedRate, ...]
    rows_total: int
    new_state: dict[str, Any]


@dataclass(frozen=True)
class Loaded:
    job: Job | None  # None: the job is gone
    written: int = 0
    unchanged: int = 0


class _InRun:
    """The run's unit of work as setExchangeRate's handler sees it: its `async with` and its
    commit belong to the run, so every rate of the run commits (or not) together."""

    def __init__(self, uow: AccountingUnitOfWork) -> None:
        self._uow = uow

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def record(self, events: list[RecordedEvent]) -> None:
        self._uow.record(events)

    async def commit(self) -> None:
        return None

    @property
    def accounts(self) -> Any:
        return self._uow.accounts

    @property
    def periods(self) -> Any:
        return self._uow.periods

    @property
    def journals(self) -> Any:
        return self._uow.journals

    @property
    def rates(self) -> Any:
        return self._uow.rates


async def load_exchange_rates(
    cmd: LoadExchangeRates,
    uow: AccountingUnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    *,
    connectors: ConnectorRepository,
    jobs: RunJobs,
) -> Loaded:
    """The checked rates through setExchangeRate's handler (its rule and permission, with the
    grants of whoever started the run), the connector's new state and the job's success: one
    transaction. A rate equal to the one stored for its day is left alone, so a second run of
    the same feed changes nothing. A rate setExchangeRate refuses fails the run whole."""
    written = unchanged = 0
    async with uow:
        job = await jobs.get(cmd.job_id, for_update=True)
        if job is None or job.is_final:
            return Loaded(job)
        connector = await connectors.get(cmd.connector_id, for_update=True)
        if connector is None:
            raise NotFound("Connector", "id")
        stored: dict[tuple[str, date], Decimal] = {}
        for day in sorted({r.day for r in cmd.rates}):
            found = await connectors.rates_of_day(
                connector.company_id, day, sorted({r.currency for r in cmd.rates if r.day == day})
            )
            stored |= {(code, day): rate for code, rate in found.items()}
        joined = _InRun(uow)
        for rate in cmd.rates:
            if stored.get((rate.currency, rate.day)) == rate.rate:
                unchanged += 1
                continue
            await set_exchange_rate(
                SetExchangeRate(connector.company_id, rate.currency, rate.day, rate.rate),
                joined,
                origin,
                grants,
            )
            written += 1
        now = utcnow()
        connector.state = {**connector.state, **cmd.new_state}
        connector.updated_at = now
        await connectors.save(connector)
        if job.state is JobState.VALIDATING:
            job.move(JobState.VALIDATED, now)
        if job.state is JobState.VALIDATED:
            job.move(JobState.COMMITTING, now)
        job.rows_total = cmd.rows_total
        job.rows_done = written + unchanged
        job.batches_committed = 1
        job.move(JobState.SUCCEEDED, now)
        await jobs.save(job)
        uow.record(job.events)
        await uow.commit()
    return Loaded(job, written, unchanged)
