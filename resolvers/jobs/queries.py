from __future__ import annotations

import strawberry
from graphql import GraphQLError

from db.imports.reads import error_report, export_file, job_by_id, jobs_page
from domain.imports.export import ExportFormat
from domain.imports.registry import schema_of
from domain.jobs.model import Job as JobModel
from domain.jobs.model import JobKind, JobState
from domain.shared.errors import DomainError
from resolvers.ids import argument_id
from schema.cursors import CREATED_AT
from schema.jobs.types import ExportFile, Job, JobConnection, JobEdge
from schema.permissions import guarded
from schema.relay import page_info, page_size


async def visible_job(info: strawberry.Info, id: object, argument: str) -> JobModel | None:
    """The caller's tenant's job in a company the caller may enter, else None (a job of
    another tenant is not even looked for: the tenant engine reads only the caller's schema)."""
    job = await job_by_id(info.context.tenant_engine, argument_id(id, argument))
    if job is None or not info.context.grants.can_enter(job.company_id):
        return None
    return job


@strawberry.type
class JobQueries:
    @strawberry.field(**guarded("import:read", "One import job, or null."))
    async def job(self, info: strawberry.Info, id: strawberry.ID) -> Job | None:
        job = await visible_job(info, id, "id")
        return Job.of(job) if job is not None else None

    @strawberry.field(**guarded("import:read", "Import jobs, newest first."))
    async def jobs(
        self,
        info: strawberry.Info,
        first: int | None = 20,
        after: str | None = None,
        kind: JobKind | None = None,
        state: JobState | None = None,
    ) -> JobConnection:
        size = page_size(first)
        position = CREATED_AT.decode(after) if after else None
        found = await jobs_page(
            info.context.tenant_engine,
            first=size,
            after=position,
            companies=set(c)
            if (c := info.context.grants.visible_companies()) is not None
            else None,
            kind=kind,
            state=state,
        )
        edges = [
            JobEdge(cursor=CREATED_AT.encode(j.created_at, j.id), node=Job.of(j))
            for j in found[:size]
        ]
        return JobConnection(
            edges=edges, page_info=page_info(edges, len(found) > size, position is not None)
        )

    @strawberry.field(
        **guarded(
            "import:read",
            "A job's row errors as CSV text (row,column,code,message; row 1 is the header, "
            "so row N is the file's line N for a CSV without line breaks in cells), or null "
            "for an unknown job.",
        )
    )
    async def job_error_report(self, info: strawberry.Info, id: strawberry.ID) -> str | None:
        job = await visible_job(info, id, "id")
        if job is None:
            return None
        return await error_report(info.context.tenant_engine, job.id)

    @strawberry.field(
        **guarded(
            "import:read",
            "A company's customers, suppliers, products or chart of accounts as a CSV or XLSX "
            "file in the columns its import takes; cells that would start a formula are "
            "prefixed with an apostrophe. Also needs the kind's read permission.",
        )
    )
    async def export_data(
        self,
        info: strawberry.Info,
        kind: JobKind,
        company_id: strawberry.ID,
        format: ExportFormat = ExportFormat.CSV,
    ) -> ExportFile:
        company = argument_id(company_id, "companyId")
        grants = info.context.grants
        try:
            schema = schema_of(kind)
            if not grants.can_enter(company):
                raise GraphQLError("Company not found.", extensions={"code": "NOT_FOUND"})
            grants.check(schema.resource, "read", company_id=company)
        except DomainError as exc:
            error = exc.errors[0]
            raise GraphQLError(error.message, extensions={"code": str(error.code)}) from exc
        exported = await export_file(
            info.context.tenant_engine, kind, company, format, info.context.services.cipher
        )
        if exported is None:  # another tenant's company is not found, as an unknown id is
            raise GraphQLError("Company not found.", extensions={"code": "NOT_FOUND"})
        return ExportFile(
            file_name=exported.file_name,
            content_type=exported.content_type,
            text=exported.text,
            base64=exported.base64,
            rows=exported.rows,
        )
