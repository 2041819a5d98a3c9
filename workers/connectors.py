"""Connector runs as jobs: `bigledger.connectors.run(tenant_id, job_id)` and the daily schedule
`bigledger.connectors.daily()` (Celery beat, `bigledger beat`).

A run (ConnectorRunner, also used by `bigledger connectors run`): the job becomes validating,
the source is pulled with no transaction open, every record is checked, then one unit of work
writes the rates (domain/connectors/handlers.py::load_exchange_rates), the connector's new state
and the job's success. A source that fails (refused URL, unreachable, timeout, HTTP error, not
the expected answer) or a record that is refused fails the job with typed errors in its report,
and nothing is written. A run that crashes is retried; the job row's state makes a redelivered
run that already committed a no-op, and writing equal rates again changes nothing."""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from celery import Task
from celery.schedules import crontab
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.exchange_rates.bnm import BnmRateSource
from adapters.webhooks.url_policy import ResolvingUrlPolicy
from db.access import load_grants
from db.crypto import FieldCipher
from db.effects import run_after_commit
from db.engine import TenantEngines
from db.imports.reads import job_repository
from db.imports.runner import job_channel
from db.repositories.connectors import SqlConnectorRepository, UnitOfWorkConnectors
from db.repositories.jobs import SqlJobRepository
from db.tenant_context import load_tenant_context
from db.tenants import TenantDirectory
from db.unit_of_work import SqlUnitOfWork
from domain.connectors.commands import RunConnector
from domain.connectors.exchange_rates import ExchangeRateSettings, check_feed
from domain.connectors.handlers import (
    LoadExchangeRates,
    RunStarted,
    load_exchange_rates,
    start_run,
)
from domain.connectors.ports import PullSource, SourceError
from domain.identity.access import Forbidden
from domain.jobs.model import Job, JobState, RowError
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError
from domain.shared.events import EventMetadata, EventOrigin
from domain.webhooks.ports import UrlPolicy
from workers.celery_app import app
from workers.tasks import get_runtime

logger = logging.getLogger("bigledger.connectors")
TASK_RUN = "bigledger.connectors.run"
TASK_DAILY = "bigledger.connectors.daily"
MAX_RETRIES = 3
OPERATION = "connector:exchange_rates"  # the audit row's operation of a run's commit

SourceFactory = Callable[[ExchangeRateSettings], PullSource]


def daily_schedule(hour: int) -> dict[str, Any]:
    """Celery beat's entry: every enabled daily connector of every tenant, at `hour` UTC."""
    return {"connectors-daily": {"task": TASK_DAILY, "schedule": crontab(hour=hour, minute=0)}}


def _origin(tenant_id: uuid.UUID, user_id: uuid.UUID, request: str, source: str) -> EventOrigin:
    return EventOrigin(
        tenant_id=tenant_id,
        user_id=user_id,  # a run writes as whoever started it (the daily one: the creator)
        correlation_id=request,
        metadata=EventMetadata(source=source, request_id=request),
    )


@dataclass
class ConnectorRunner:
    engine: AsyncEngine  # the tenant's
    tenant_id: uuid.UUID
    cipher: FieldCipher
    urls: UrlPolicy
    timeout: float = 15.0
    redis: Redis | None = None
    source: str = "bigledger-worker"
    sources: SourceFactory | None = None  # default: Bank Negara Malaysia's shape

    def _source(self, settings: ExchangeRateSettings) -> PullSource:
        if self.sources is not None:
            return self.sources(settings)
        return BnmRateSource(settings, urls=self.urls, timeout=self.timeout)

    def _unit_of_work(self, origin: EventOrigin) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine,
            origin,
            cipher=self.cipher,
            operation=OPERATION,
            after_commit=partial(run_after_commit, self.redis) if self.redis else None,
        )

    async def start(
        self, connector_id: uuid.UUID, user_id: uuid.UUID, scheduled_for: date | None = None
    ) -> RunStarted:
        """Queue a run as `user_id` with that user's current rights (the CLI, the schedule)."""
        grants = await load_grants(self.engine, user_id)
        if grants is None:
            raise Forbidden("The user is not active in this tenant.")
        origin = _origin(self.tenant_id, user_id, f"connector:{connector_id}", self.source)
        uow = self._unit_of_work(origin)
        return await start_run(
            RunConnector(connector_id, scheduled_for),
            uow,
            origin,
            grants,
            connectors=UnitOfWorkConnectors(uow),
            jobs=job_repository(uow, origin),
        )

    async def run(self, job_id: uuid.UUID) -> Job | None:
        """The job after this run (None: no such job)."""
        async with self.engine.begin() as conn:
            jobs = SqlJobRepository(conn)
            job = await jobs.get(job_id, for_update=True)
            if job is None or job.is_final:
                return job
            job.attempts += 1
            job.started_at = job.started_at or utcnow()
            if job.cancel_requested:
                job.move(JobState.CANCELLED, utcnow())
            elif job.state is JobState.QUEUED:
                job.move(JobState.VALIDATING, utcnow())
            await jobs.save(job)
        if job.state is JobState.CANCELLED:
            return await self._finish(job, None)
        await self._publish(job)
        connector_id = uuid.UUID(str(job.options.get("connectorId")))
        async with self.engine.connect() as conn:
            repo = SqlConnectorRepository(conn, self.cipher)
            connector = await repo.get(connector_id)
            base = await repo.company_currency(job.company_id)
        if connector is None or base is None:
            return await self._fail(job, "CONNECTOR_GONE", "The connector was deleted.")
        grants = await load_grants(self.engine, job.created_by)
        if grants is None:
            return await self._fail(
                job, "USER_INACTIVE", "The user who started the run is no longer active."
            )
        settings = ExchangeRateSettings.from_json(connector.settings)
        last = connector.state.get("lastDate")
        since = date.fromisoformat(last) if last else None
        source = self._source(settings)
        try:
            pulled = await source.pull(connector.state, connector.credentials, since)
        except SourceError as exc:
            return await self._fail(job, str(exc.problem), exc.message)
        checked = check_feed(pulled.records, settings, base, since)
        job.rows_total, job.error_count = checked.rows_total, len(checked.errors)
        await self._publish(job)
        if checked.errors:
            return await self._fail_rows(job, checked.errors)
        new_state: dict[str, Any] = dict(pulled.new_state)
        if checked.last_date is not None:
            new_state["lastDate"] = checked.last_date.isoformat()
        origin = _origin(self.tenant_id, job.created_by, f"job:{job.id}", self.source)
        uow = self._unit_of_work(origin)
        try:
            loaded = await load_exchange_rates(
                LoadExchangeRates(
                    job.id, connector_id, tuple(checked.rates), checked.rows_total, new_state
                ),
                uow,
                origin,
                grants,
                connectors=UnitOfWorkConnectors(uow),
                jobs=job_repository(uow, origin),
            )
        except DomainError as exc:  # setExchangeRate's rule or permission, as the API says it
            errors = [RowError(0, e.field, str(e.code), e.message) for e in exc.errors]
            return await self._fail_rows(job, errors, "The run was refused; no rate was written.")
        if loaded.job is not None:
            await self._publish(loaded.job)
            logger.info(
                "connector run committed",
                extra={"tenantId": str(self.tenant_id), "jobId": str(job.id),
                       "written": loaded.written, "unchanged": loaded.unchanged},
            )  # fmt: skip
        return loaded.job

    async def give_up(self, job_id: uuid.UUID, why: str) -> Job | None:
        async with self.engine.connect() as conn:
            job = await SqlJobRepository(conn).get(job_id)
        if job is None or job.is_final:
            return job
        return await self._fail(job, "CRASHED", why)

    async def _fail(self, job: Job, code: str, message: str) -> Job:
        """The source as a whole: one error with no row."""
        return await self._finish(job, [RowError(0, None, code, message)], message)

    async def _fail_rows(
        self,
        job: Job,
        errors: list[RowError],
        why: str = "Records of the rate source were refused; no rate was written.",
    ) -> Job:
        return await self._finish(job, errors, why)

    async def _finish(self, job: Job, errors: list[RowError] | None, why: str = "") -> Job:
        """The job failed (or cancelled) with its error report and its events, in one unit of
        work; a job another run finished meanwhile is left as it is."""
        origin = _origin(self.tenant_id, job.created_by, f"job:{job.id}", self.source)
        uow = self._unit_of_work(origin)
        async with uow:
            repo = SqlJobRepository(uow.connection)
            current = await repo.get(job.id, for_update=True)
            if current is None or current.is_final:
                return current or job
            current.attempts, current.started_at = job.attempts, job.started_at
            current.rows_total = job.rows_total
            if errors is not None:
                await repo.replace_errors(job.id, errors)
                current.error_count = len(errors)
                current.failure = why
                current.move(JobState.FAILED, utcnow())
            else:
                current.move(JobState.CANCELLED, utcnow())
            await repo.save(current)
            uow.record(current.events)
            await uow.commit()
        await self._publish(current)
        return current

    async def _publish(self, job: Job) -> None:
        if self.redis is not None:
            # Best effort: the job row is the truth, a lost message only delays a progress bar.
            with contextlib.suppress(Exception):
                await self.redis.publish(job_channel(self.tenant_id), json.dumps(job.progress()))


# -- Celery ----------------------------------------------------------------------------------


class _Parts:
    """Per worker process: the key ring, Redis and the URL policy, from the worker's config."""

    def __init__(self) -> None:
        conf: Any = app.conf
        self.cipher: FieldCipher = conf.bigledger_cipher()
        self.redis = Redis.from_url(conf.bigledger_redis_url)
        self.urls = ResolvingUrlPolicy(allow_private=bool(conf.bigledger_webhooks_allow_private))
        self.timeout = float(getattr(conf, "bigledger_connector_timeout", 15.0))

    def runner(self, engine: AsyncEngine, tenant_id: uuid.UUID) -> ConnectorRunner:
        return ConnectorRunner(
            engine, tenant_id, self.cipher, self.urls, timeout=self.timeout, redis=self.redis
        )


_parts: _Parts | None = None


def _get_parts() -> _Parts:
    global _parts
    if _parts is None:
        _parts = _Parts()
    return _parts


@app.task(name=TASK_RUN, bind=True, max_retries=MAX_RETRIES, acks_late=True)
def run_connector(self: Task, tenant_id: str, job_id: str) -> str:
    """Returns the job's state after the run, or 'gone'."""

    async def run(engines: TenantEngines, tenants: TenantDirectory) -> str:
        tenant = await tenants.get(uuid.UUID(tenant_id))
        if tenant is None:
            return "gone"
        runner = _get_parts().runner(engines.for_schema(tenant.schema_name), tenant.id)
        if self.request.retries >= MAX_RETRIES:
            job = await runner.give_up(
                uuid.UUID(job_id), f"The run crashed {MAX_RETRIES + 1} times; it was stopped."
            )
        else:
            job = await runner.run(uuid.UUID(job_id))
        return "gone" if job is None else str(job.state)

    try:
        return get_runtime().run(run)
    except Exception as exc:
        logger.warning("connector run failed; it is retried", exc_info=True,
                       extra={"tenantId": tenant_id, "jobId": job_id})  # fmt: skip
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc


@app.task(name=TASK_DAILY)
def run_daily_connectors() -> int:
    """Queue today's run of every enabled daily connector; returns how many were queued."""
    return get_runtime().run(
        lambda engines, tenants: queue_daily_runs(
            engines, tenants, _get_parts().runner, enqueue_run, utcnow().date()
        )
    )


async def queue_daily_runs(
    engines: TenantEngines,
    tenants: TenantDirectory,
    runner_of: Callable[[AsyncEngine, uuid.UUID], ConnectorRunner],
    enqueue: Callable[[uuid.UUID, uuid.UUID], None],
    today: date,
) -> int:
    """One job per enabled daily connector of every active tenant whose plan has connectors,
    as the connector's creator; the job's idempotency key is the connector and the day, so a
    beat that fires twice (or two beats) queue one run. Returns the runs queued now."""
    queued = 0
    for tenant in await tenants.all_active():
        context = await load_tenant_context(engines.root, tenant.id)
        if context is None or "connectors" not in context.features:
            continue
        engine = engines.for_schema(tenant.schema_name)
        runner = runner_of(engine, tenant.id)
        async with engine.connect() as conn:
            due = await SqlConnectorRepository(conn, runner.cipher).scheduled()
        for connector_id, owner in due:
            try:
                started = await runner.start(connector_id, owner, scheduled_for=today)
            except DomainError as exc:  # the creator lost the right to set rates, ...
                logger.warning("scheduled connector run refused: %s", exc,
                               extra={"tenantId": str(tenant.id),
                                      "connectorId": str(connector_id)})  # fmt: skip
                continue
            if started.created:
                enqueue(tenant.id, started.job.id)
                queued += 1
    return queued


def enqueue_run(tenant_id: uuid.UUID, job_id: uuid.UUID) -> None:
    """On the configured broker and queue (server/services.py configures the app at start)."""
    app.send_task(
        TASK_RUN, args=[str(tenant_id), str(job_id)], queue=app.conf.task_default_queue,
        retry=False,
    )  # fmt: skip
