from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from graphql import GraphQLError

from db.imports.runner import job_channel
from domain.jobs.model import FINAL_STATES, JobState
from resolvers.jobs.queries import visible_job
from schema.jobs.types import JobProgress
from schema.permissions import guarded


def _progress(message: dict[str, Any]) -> JobProgress:
    return JobProgress(
        job_id=strawberry.ID(message["jobId"]),
        state=JobState(message["state"]),
        rows_done=message["rowsDone"],
        rows_total=message["rowsTotal"],
        error_count=message["errorCount"],
        attempts=message.get("attempts", 0),
    )


def _last(message: dict[str, Any], dry_run: bool) -> bool:
    state = JobState(message["state"])
    return state in FINAL_STATES or (dry_run and state is JobState.VALIDATED)


@strawberry.type
class JobSubscriptions:
    @strawberry.subscription(
        **guarded(
            "import:read",
            "A job's progress: its state now, then each change (state, rowsDone, rowsTotal, "
            "errorCount) until it ends.",
        )
    )
    async def job_progress(
        self, info: strawberry.Info, job_id: strawberry.ID
    ) -> AsyncGenerator[JobProgress, None]:
        if await visible_job(info, job_id, "jobId") is None:
            raise GraphQLError("Job not found.", extensions={"code": "NOT_FOUND"})
        # The caller's tenant's channel only: another tenant's jobs are never on it.
        pubsub = info.context.services.redis.pubsub()
        await pubsub.subscribe(job_channel(info.context.tenant_id))
        try:
            # Read after subscribing: a change between the two is heard, not lost.
            job = await visible_job(info, job_id, "jobId")
            if job is None:
                return
            current = job.progress()
            yield _progress(current)
            if _last(current, job.dry_run):
                return
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=15)
                if message is None or message.get("type") != "message":
                    continue
                progress = json.loads(message["data"])
                if progress.get("jobId") != str(job.id):
                    continue
                yield _progress(progress)
                if _last(progress, job.dry_run):
                    return
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()
