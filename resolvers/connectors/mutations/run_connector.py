from __future__ import annotations

import asyncio
import logging

import strawberry

from domain.connectors import handlers
from domain.connectors.commands import RunConnector
from domain.jobs.model import JobState
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.connectors.ports import CONNECTORS, JOBS
from resolvers.ids import parse_id
from schema.connectors.types import ConnectorError, RunConnectorPayload
from schema.jobs.types import Job
from workers.connectors import enqueue_run

logger = logging.getLogger("bigledger.connectors")


async def run_connector(info: strawberry.Info, id: strawberry.ID) -> RunConnectorPayload:
    context = info.context
    try:
        command = RunConnector(parse_id(id, "id", "Connector"))
        started = await run_command(
            info, handlers.start_run, command, connectors=CONNECTORS, jobs=JOBS
        )
    except DomainError as exc:
        return RunConnectorPayload(job=None, errors=ConnectorError.from_domain(exc.errors))
    job = started.job
    if job.state is JobState.QUEUED:
        # After the commit, so the worker finds the job; sent again while the job still waits
        # (a lost message is recovered by asking again).
        try:
            await asyncio.to_thread(enqueue_run, context.tenant_id, job.id)
        except Exception:
            logger.warning("could not enqueue connector run %s", job.id, exc_info=True)
    return RunConnectorPayload(job=Job.of(job), errors=[])
