"""Starting and cancelling import jobs (the work itself: db/imports/runner.py, in a worker).

startImport refuses a file that cannot be imported at all (size over the plan's limit, wrong
type, encoding, delimiter, unknown or missing columns) at once with typed errors, writing
nothing; row problems are the job's error report. The same idempotency key and file return
the first job; the key with another file (or kind, options, dry-run flag) is a conflict."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from dataclasses import dataclass

from domain.identity.access import AccessGrants
from domain.identity.plans import TenantLimits
from domain.imports.files import FileProblem, ImportFieldError, file_error, read_sheet
from domain.imports.registry import schema_of
from domain.imports.schema import count_rows, layout
from domain.jobs.model import Job, JobKind
from domain.jobs.ports import JobRepository
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError, ErrorCode, NotFound
from domain.shared.events import EventOrigin
from domain.shared.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class StartImport:
    company_id: uuid.UUID
    kind: JobKind
    file_name: str
    content: bytes
    dry_run: bool = False
    idempotency_key: str | None = None
    batch_size: int | None = None

    def fingerprint(self) -> str:
        return hashlib.sha256(
            json.dumps(
                {
                    "company": str(self.company_id),
                    "kind": str(self.kind),
                    "dryRun": self.dry_run,
                    "batchSize": self.batch_size,
                    "file": hashlib.sha256(self.content).hexdigest(),
                },
                sort_keys=True,
            ).encode()
        ).hexdigest()


@dataclass(frozen=True)
class CancelJob:
    job_id: uuid.UUID


@dataclass(frozen=True)
class Started:
    job: Job
    created: bool  # False: the idempotency key's first job, returned again


def replay_conflict() -> DomainError:
    return DomainError(
        [
            ImportFieldError(
                ErrorCode.CONFLICT,
                "This idempotency key already started a job with another file or options; use "
                "a new key for a new import.",
                "idempotencyKey",
                FileProblem.IDEMPOTENCY_CONFLICT,
            )
        ]
    )


async def start_import(
    cmd: StartImport,
    uow: UnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    *,
    limits: TenantLimits,
    jobs: JobRepository,
) -> Started:
    if not grants.can_enter(cmd.company_id):
        raise NotFound("Company", "companyId")
    grants.check("import", "run", company_id=cmd.company_id)
    schema = schema_of(cmd.kind)
    # The API's own create permission for what the rows make (createCustomer's, ...).
    for action in schema.actions:
        grants.check(schema.resource, action, company_id=cmd.company_id)
    if len(cmd.content) > limits.max_import_bytes:
        raise file_error(
            FileProblem.FILE_TOO_LARGE,
            f"The file has {len(cmd.content):,} bytes; your plan imports files up to "
            f"{limits.max_import_bytes:,} bytes.",
            ErrorCode.LIMIT_EXCEEDED,
        )
    # In a thread: reading a file of up to the plan's size is CPU work the API's event loop
    # must not wait on.
    sheet = await asyncio.to_thread(read_sheet, cmd.content, cmd.file_name)
    layout(schema, sheet)  # the header: unknown, missing or repeated columns
    if count_rows(sheet) == 0:
        raise file_error(FileProblem.EMPTY, f"{cmd.file_name} has a header but no rows.")
    job = Job.start(
        company_id=cmd.company_id,
        kind=cmd.kind,
        dry_run=cmd.dry_run,
        file_name=cmd.file_name[:255] or "upload",
        file_format=sheet.format,
        file_size=len(cmd.content),
        fingerprint=cmd.fingerprint(),
        idempotency_key=cmd.idempotency_key,
        options={"batchSize": cmd.batch_size} if cmd.batch_size else {},
        batch_size=cmd.batch_size,
        actor=origin.user_id,
        now=utcnow(),
    )
    async with uow:
        if await jobs.company_currency(cmd.company_id) is None:
            raise NotFound("Company", "companyId")
        prior = await jobs.claim(job, cmd.content)
        if prior is not None:
            if prior.fingerprint != job.fingerprint:
                raise replay_conflict()
            return Started(prior, created=False)
        uow.record(job.events)
        await uow.commit()
    return Started(job, created=True)


async def cancel_job(
    cmd: CancelJob,
    uow: UnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    *,
    jobs: JobRepository,
) -> Job:
    async with uow:
        job = await jobs.get(cmd.job_id, for_update=True)
        if job is None or not grants.can_enter(job.company_id):
            raise NotFound("Job")
        grants.check("import", "run", company_id=job.company_id)
        job.request_cancel(utcnow())
        await jobs.save(job)
        if job.is_final:  # cancelled before a worker ran it: its file is not needed again
            await jobs.drop_content(job.id)
        uow.record(job.events)
        await uow.commit()
    return job
