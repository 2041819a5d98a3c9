"""Batch jobs (imports) and exports in the API."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry
from strawberry.file_uploads import Upload

from domain.imports.export import ExportFormat
from domain.imports.files import FileProblem, ImportFieldError
from domain.jobs.model import Job as JobModel
from domain.jobs.model import JobKind, JobState
from domain.shared.errors import FieldError
from schema.errors import UserError
from schema.relay import PageInfo

JobKindType = strawberry.enum(JobKind, name="JobKind", description="What a job imports or exports.")
JobStateType = strawberry.enum(
    JobState,
    name="JobState",
    description="queued → validating → validated (a dry run ends here) → committing → "
    "succeeded; or failed / cancelled.",
)
ImportProblem = strawberry.enum(
    FileProblem, name="ImportProblem", description="Why an uploaded file was refused as a whole."
)
ExportFormatType = strawberry.enum(ExportFormat, name="ExportFormat")


@strawberry.type(description="An import job: its state, progress and row errors.")
class Job:
    id: strawberry.ID
    company_id: strawberry.ID
    kind: JobKindType  # type: ignore[valid-type]
    state: JobStateType  # type: ignore[valid-type]
    dry_run: bool = strawberry.field(description="Rows checked only; nothing is written.")
    file_name: str
    file_format: str
    file_size: int
    rows_total: int
    rows_done: int = strawberry.field(
        description="Rows checked (validating) or committed (committing and after)."
    )
    error_count: int
    batch_size: int
    batches_committed: int
    attempts: int = strawberry.field(
        description="Runs of the job: more than one means it resumed after a crash."
    )
    cancel_requested: bool
    failure: str | None
    idempotency_key: str | None
    created_by: strawberry.ID
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: JobModel) -> Self:
        return cls(
            id=strawberry.ID(str(job.id)),
            company_id=strawberry.ID(str(job.company_id)),
            kind=job.kind,
            state=job.state,
            dry_run=job.dry_run,
            file_name=job.file_name,
            file_format=job.file_format,
            file_size=job.file_size,
            rows_total=job.rows_total,
            rows_done=job.rows_done,
            error_count=job.error_count,
            batch_size=job.batch_size,
            batches_committed=job.batches_committed,
            attempts=job.attempts,
            cancel_requested=job.cancel_requested,
            failure=job.failure,
            idempotency_key=job.idempotency_key,
            created_by=strawberry.ID(str(job.created_by)),
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


@strawberry.type
class JobEdge:
    cursor: str
    node: Job


@strawberry.type
class JobConnection:
    edges: list[JobEdge]
    page_info: PageInfo


@strawberry.type(description="Progress of a job, as jobProgress streams it.")
class JobProgress:
    job_id: strawberry.ID
    state: JobStateType  # type: ignore[valid-type]
    rows_done: int
    rows_total: int
    error_count: int
    attempts: int


@strawberry.input
class ImportOptionsInput:
    batch_size: int | None = strawberry.field(
        default=None,
        description="Rows per transaction (default 500, at most 10,000); kinds whose rows refer "
        "to each other (the chart of accounts) commit the whole file in one.",
    )


@strawberry.input
class StartImportInput:
    kind: JobKindType  # type: ignore[valid-type]
    company_id: strawberry.ID
    file: Upload = strawberry.field(
        description="CSV (UTF-8, UTF-8 with BOM or UTF-16 with BOM; , ; tab or | delimited) or "
        "XLSX, with a header row; headers match ignoring case, spaces, '_' and '-'."
    )
    options: ImportOptionsInput | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Starting again with the same key and file returns the first job; with "
        "another file it is refused (IDEMPOTENCY_CONFLICT).",
    )
    dry_run: bool = False


@strawberry.type
class StartImportError(UserError):
    reason: ImportProblem | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="What is wrong with the file as a whole, if that is the fault."
    )

    @classmethod
    def of(cls, errors: tuple[FieldError, ...]) -> list[StartImportError]:
        return [
            cls(
                code=e.code,
                message=e.message,
                field=e.field,
                reason=e.reason if isinstance(e, ImportFieldError) else None,
            )
            for e in errors
        ]


@strawberry.type
class StartImportPayload:
    job: Job | None
    errors: list[StartImportError]


@strawberry.type
class CancelJobError(UserError):
    pass


@strawberry.type
class CancelJobPayload:
    job: Job | None
    errors: list[CancelJobError]


@strawberry.type(description="An exported file.")
class ExportFile:
    file_name: str
    content_type: str
    text: str | None = strawberry.field(description="A CSV file's content (UTF-8).")
    base64: str | None = strawberry.field(description="An XLSX file's content, base64.")
    rows: int
