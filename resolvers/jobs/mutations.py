from __future__ import annotations

import logging
from typing import Any

import strawberry

from db.imports.reads import job_repository
from domain.imports.files import FileProblem, file_error
from domain.jobs import handlers
from domain.jobs.handlers import CancelJob, StartImport
from domain.jobs.model import JobState
from domain.shared.errors import DomainError
from resolvers.commands import UnitOfWorkPort, run_command
from resolvers.ids import parse_id
from schema.jobs.types import (
    CancelJobError,
    CancelJobPayload,
    Job,
    StartImportError,
    StartImportInput,
    StartImportPayload,
)
from schema.permissions import guarded
from workers.jobs import enqueue_import_async

logger = logging.getLogger("bigledger.jobs")
JOBS = UnitOfWorkPort(job_repository)


async def start_import(info: strawberry.Info, input: StartImportInput) -> StartImportPayload:
    context = info.context
    try:
        upload: Any = input.file  # starlette's UploadFile
        if not callable(getattr(upload, "read", None)):
            # A JSON request can put any value where the Upload goes: only a file part is one.
            raise file_error(
                FileProblem.FILE_TYPE,
                "Send the file as a multipart upload (the GraphQL multipart request spec).",
            )
        content = await upload.read()
        command = StartImport(
            company_id=parse_id(input.company_id, "companyId", "company"),
            kind=input.kind,
            file_name=getattr(upload, "filename", None) or "upload",
            content=content,
            dry_run=input.dry_run,
            idempotency_key=input.idempotency_key,
            batch_size=input.options.batch_size if input.options else None,
        )
        started = await run_command(
            info, handlers.start_import, command, limits=context.limits, jobs=JOBS
        )
    except DomainError as exc:
        return StartImportPayload(job=None, errors=StartImportError.of(exc.errors))
    job = started.job
    if job.state is JobState.QUEUED:
        # After the commit, so the worker finds the job. Sent again when the same key is sent
        # again while the job still waits (a lost message is then recovered by the client).
        try:
            await enqueue_import_async(context.tenant_id, job.id)
        except Exception:
            logger.warning("could not enqueue import job %s", job.id, exc_info=True)
    return StartImportPayload(job=Job.of(job), errors=[])


async def cancel_job(info: strawberry.Info, id: strawberry.ID) -> CancelJobPayload:
    try:
        command = CancelJob(job_id=parse_id(id, "id", "job"))
        job = await run_command(info, handlers.cancel_job, command, jobs=JOBS)
    except DomainError as exc:
        return CancelJobPayload(job=None, errors=CancelJobError.from_domain(exc.errors))
    return CancelJobPayload(job=Job.of(job), errors=[])


@strawberry.type
class JobMutations:
    start_import = strawberry.mutation(
        resolver=start_import,
        **guarded(
            "import:run",
            "Upload a CSV or XLSX file (GraphQL multipart request) to import as a job; every "
            "row is checked first, then (unless dryRun) committed in batches by a worker. "
            "Follow it with job(id) or jobProgress(jobId); row errors: jobErrorReport(id).",
        ),
    )
    cancel_job = strawberry.mutation(
        resolver=cancel_job,
        **guarded(
            "import:run",
            "Cancel a job: at once if it waits, else between two batches (committed batches stay).",
        ),
    )
