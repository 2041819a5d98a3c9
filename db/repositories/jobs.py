"""Jobs in the tenant's schema: the aggregate, its uploaded file, its row errors, and the one
statement that records a committed batch inside that batch's own transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.tables.jobs import job_errors, jobs
from db.tables.tenant import companies
from domain.jobs.model import Job, JobKind, JobState, RowError

# Everything of a job but its file (the file is read once per run, by `content`).
_COLUMNS = [c for c in jobs.c if c.name != "file_content"]
_SAVED = (
    "state",
    "rows_total",
    "rows_done",
    "error_count",
    "batches_committed",
    "attempts",
    "cancel_requested",
    "failure",
    "updated_at",
    "started_at",
    "finished_at",
)


def job_of(row: Any) -> Job:
    m = row._mapping
    return Job(
        id=m["id"],
        company_id=m["company_id"],
        kind=JobKind(m["kind"]),
        state=JobState(m["state"]),
        dry_run=m["dry_run"],
        file_name=m["file_name"],
        file_format=m["file_format"],
        file_size=m["file_size"],
        fingerprint=m["fingerprint"],
        idempotency_key=m["idempotency_key"],
        options=dict(m["options"] or {}),
        batch_size=m["batch_size"],
        created_by=m["created_by"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        rows_total=m["rows_total"],
        rows_done=m["rows_done"],
        error_count=m["error_count"],
        batches_committed=m["batches_committed"],
        attempts=m["attempts"],
        cancel_requested=m["cancel_requested"],
        failure=m["failure"],
        started_at=m["started_at"],
        finished_at=m["finished_at"],
    )


class SqlJobRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def claim(self, job: Job, content: bytes) -> Job | None:
        """Insert the job; None if it is new, else the job its idempotency key started first
        (a concurrent start with the same key waits for our commit)."""
        values = {f: getattr(job, f) for f in (c.name for c in _COLUMNS)}
        values["kind"], values["state"] = str(job.kind), str(job.state)
        values["file_content"] = content
        statement = pg_insert(jobs).values(values)
        if job.idempotency_key is not None:
            statement = statement.on_conflict_do_nothing(
                index_elements=["company_id", "idempotency_key"],
                index_where=jobs.c.idempotency_key.isnot(None),
            )
        inserted = (await self._conn.execute(statement.returning(jobs.c.id))).first()
        if inserted is not None:
            return None
        row = (
            await self._conn.execute(
                select(*_COLUMNS).where(
                    jobs.c.company_id == job.company_id,
                    jobs.c.idempotency_key == job.idempotency_key,
                )
            )
        ).one()
        return job_of(row)

    async def get(self, job_id: uuid.UUID, *, for_update: bool = False) -> Job | None:
        query = select(*_COLUMNS).where(jobs.c.id == job_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return job_of(row) if row is not None else None

    async def content(self, job_id: uuid.UUID) -> bytes:
        return bytes(
            (
                await self._conn.execute(select(jobs.c.file_content).where(jobs.c.id == job_id))
            ).scalar_one()
        )

    async def drop_content(self, job_id: uuid.UUID) -> None:
        """An ended job's file is not needed again (its fingerprint stays for replays)."""
        await self._conn.execute(update(jobs).where(jobs.c.id == job_id).values(file_content=b""))

    async def save(self, job: Job) -> None:
        values: dict[str, Any] = {f: getattr(job, f) for f in _SAVED}
        values["state"] = str(job.state)
        await self._conn.execute(update(jobs).where(jobs.c.id == job.id).values(values))

    async def record_batch(
        self, job_id: uuid.UUID, batch: int, rows_done: int, now: datetime
    ) -> bool:
        """In the batch's own transaction: batch `batch` (1-based) is committed. False when
        it already was (another run of the job got there first): the caller rolls back."""
        done = await self._conn.execute(
            update(jobs)
            .where(
                jobs.c.id == job_id,
                jobs.c.batches_committed == batch - 1,
                jobs.c.state == str(JobState.COMMITTING),
            )
            .values(batches_committed=batch, rows_done=rows_done, updated_at=now)
            .returning(jobs.c.id)
        )
        return done.first() is not None

    async def replace_errors(self, job_id: uuid.UUID, errors: Sequence[RowError]) -> None:
        await self._conn.execute(delete(job_errors).where(job_errors.c.job_id == job_id))
        if errors:
            await self._conn.execute(
                insert(job_errors),
                [
                    {
                        "job_id": job_id,
                        "seq": i,
                        "row": e.row,
                        "column_name": e.column,
                        "code": e.code,
                        "message": e.message,
                    }
                    for i, e in enumerate(errors, 1)
                ],
            )

    async def errors(self, job_id: uuid.UUID) -> list[RowError]:
        rows = await self._conn.execute(
            select(job_errors.c.row, job_errors.c.column_name, job_errors.c.code,
                   job_errors.c.message)
            .where(job_errors.c.job_id == job_id)
            .order_by(job_errors.c.seq)
        )  # fmt: skip
        return [RowError(r.row, r.column_name, r.code, r.message) for r in rows]

    async def page(
        self,
        *,
        first: int,
        after: tuple[datetime, uuid.UUID] | None,
        companies: Iterable[uuid.UUID] | None,
        kind: JobKind | None = None,
        state: JobState | None = None,
    ) -> list[Job]:
        """Newest first; `companies` None: every company (a tenant-wide reader)."""
        query = select(*_COLUMNS)
        if companies is not None:
            query = query.where(jobs.c.company_id.in_(list(companies)))
        if kind is not None:
            query = query.where(jobs.c.kind == str(kind))
        if state is not None:
            query = query.where(jobs.c.state == str(state))
        if after is not None:
            created, job_id = after
            query = query.where(
                or_(
                    jobs.c.created_at < created,
                    and_(jobs.c.created_at == created, jobs.c.id < job_id),
                )
            )
        rows = await self._conn.execute(
            query.order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(first + 1)
        )
        return [job_of(r) for r in rows]

    async def company_currency(self, company_id: uuid.UUID) -> str | None:
        """The company's base currency; None: no such company in this tenant."""
        found = await self._conn.execute(
            select(companies.c.currency_code).where(companies.c.id == company_id)
        )
        return found.scalar_one_or_none()

    async def active_count(self) -> int:
        return int(
            (
                await self._conn.execute(
                    select(func.count()).where(jobs.c.state.in_(("validating", "committing")))
                )
            ).scalar_one()
        )
