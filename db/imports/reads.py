"""The read side of jobs and exports (queries never write), and the job repository a command
port builds on a unit of work's connection."""

from __future__ import annotations

import base64
import csv
import io
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from db.crypto import FieldCipher
from db.imports.kinds import export_rows
from db.repositories.jobs import SqlJobRepository
from domain.imports.export import ExportFormat, write
from domain.jobs.model import Job, JobKind, JobState
from domain.shared.events import EventOrigin


class _UnitOfWorkJobs:
    """Jobs on the unit of work's connection (open only inside `async with uow`, so the
    repository is built at each call), in the command's own transaction."""

    def __init__(self, uow: Any) -> None:
        self._uow = uow

    def _repo(self) -> SqlJobRepository:
        return SqlJobRepository(self._uow.connection)

    async def claim(self, job: Job, content: bytes) -> Job | None:
        return await self._repo().claim(job, content)

    async def get(self, job_id: uuid.UUID, *, for_update: bool = False) -> Job | None:
        return await self._repo().get(job_id, for_update=for_update)

    async def save(self, job: Job) -> None:
        await self._repo().save(job)

    async def drop_content(self, job_id: uuid.UUID) -> None:
        await self._repo().drop_content(job_id)

    async def company_currency(self, company_id: uuid.UUID) -> str | None:
        return await self._repo().company_currency(company_id)


def job_repository(uow: Any, origin: EventOrigin) -> _UnitOfWorkJobs:
    """For resolvers.commands.UnitOfWorkPort."""
    return _UnitOfWorkJobs(uow)


async def job_by_id(engine: AsyncEngine, job_id: uuid.UUID) -> Job | None:
    async with engine.connect() as conn:
        return await SqlJobRepository(conn).get(job_id)


async def jobs_page(
    engine: AsyncEngine,
    *,
    first: int,
    after: tuple[datetime, uuid.UUID] | None,
    companies: set[uuid.UUID] | None,
    kind: JobKind | None,
    state: JobState | None,
) -> list[Job]:
    async with engine.connect() as conn:
        return await SqlJobRepository(conn).page(
            first=first, after=after, companies=companies, kind=kind, state=state
        )


async def error_report(engine: AsyncEngine, job_id: uuid.UUID) -> str:
    """The job's row errors as CSV: row, column, code, message (cells neutralised like an
    export's: a message quotes the user's own cell text)."""
    from domain.imports.export import neutralised

    async with engine.connect() as conn:
        errors = await SqlJobRepository(conn).errors(job_id)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["row", "column", "code", "message"])
    for e in errors:
        writer.writerow([e.row, neutralised(e.column or ""), e.code, neutralised(e.message)])
    return out.getvalue()


@dataclass(frozen=True)
class ExportedFile:
    file_name: str
    content_type: str
    text: str | None
    base64: str | None
    rows: int


CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def export_file(
    engine: AsyncEngine,
    kind: JobKind,
    company_id: uuid.UUID,
    format: ExportFormat,
    cipher: FieldCipher,
) -> ExportedFile | None:
    """None: no such company in this tenant."""
    async with engine.connect() as conn:
        if await SqlJobRepository(conn).company_currency(company_id) is None:
            return None
        exported = await export_rows(conn, kind, company_id, cipher)
    content = write(format, exported.header, exported.rows)
    name = f"{kind}.{format}"
    if format is ExportFormat.CSV:
        return ExportedFile(name, CONTENT_TYPES[format], content.decode(), None, len(exported.rows))
    return ExportedFile(
        name, CONTENT_TYPES[format], None, base64.b64encode(content).decode(), len(exported.rows)
    )
