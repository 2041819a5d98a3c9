"""Running one import job: check every row, then (not a dry run, no row error) commit batch by
batch, each batch a SqlUnitOfWork that writes the rows through the context's repository,
records their events like the API's commands, and marks the batch committed on the job row —
one transaction, so a run that crashes resumes after the last committed batch and never writes
a row twice. Used by the Celery task (workers/jobs.py) and the CLI alike.

One run at a time per job: a session advisory lock on a connection held for the run (released
when it closes, so a killed worker does not leave it held)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.access import load_grants
from db.crypto import FieldCipher
from db.effects import run_after_commit
from db.imports.kinds import EACH, WRITERS, RowRefused, load_books
from db.repositories.jobs import SqlJobRepository
from db.tables.jobs import jobs
from db.unit_of_work import SqlUnitOfWork
from domain.imports.files import ImportFieldError, read_sheet
from domain.imports.registry import schema_of
from domain.imports.schema import Checked, check_rows
from domain.jobs.model import Job, JobState, RowError
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError
from domain.shared.events import EventMetadata, EventOrigin

PROGRESS_EVERY = 1000  # rows between two progress messages while checking
EACH_PROGRESS = 20  # items made by their handler between two progress saves


def job_channel(tenant_id: uuid.UUID | str) -> str:
    """The tenant's job-progress channel (jobProgress listens to it)."""
    return f"tenant:{tenant_id}:jobs"


@dataclass
class JobRunner:
    engine: AsyncEngine  # the tenant's
    tenant_id: uuid.UUID
    cipher: FieldCipher
    redis: Redis | None = None
    source: str = "bigledger-worker"
    on_progress: Callable[[dict[str, Any]], None] | None = None
    # Called with every progress message: a worker keeps its tenant slot while it progresses.
    heartbeat: Callable[[], Awaitable[None]] | None = None

    async def run(self, job_id: uuid.UUID) -> Job | None:
        """The job after this run; None if another run holds it (or it does not exist)."""
        key = uuid.UUID(str(job_id)).int >> 65  # fits PostgreSQL's signed bigint
        async with self.engine.connect() as lock:
            held = (
                await lock.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
            ).scalar()
            await lock.commit()
            if not held:
                return None
            try:
                return await self._run(job_id)
            finally:
                await lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                await lock.commit()

    async def _run(self, job_id: uuid.UUID) -> Job | None:
        async with self.engine.begin() as conn:
            repo = SqlJobRepository(conn)
            job = await repo.get(job_id, for_update=True)
            if job is None or job.is_final or (job.state is JobState.VALIDATED and job.dry_run):
                return job
            content = await repo.content(job_id)
            job.attempts += 1
            job.started_at = job.started_at or utcnow()
            if job.cancel_requested:
                job.move(JobState.CANCELLED, utcnow())
            elif job.state is JobState.QUEUED:
                job.move(JobState.VALIDATING, utcnow())
            await repo.save(job)
        if job.state is JobState.CANCELLED:
            return await self._finish(job)
        await self._publish(job)
        schema = schema_of(job.kind)
        origin = self._origin(job)
        resuming = job.state in (JobState.COMMITTING, JobState.VALIDATED)
        skip = job.batches_committed * job.batch_size if schema.batchable else 0
        if (
            resuming
            and not schema.batchable
            and job.kind not in EACH
            and job.batches_committed >= 1
        ):
            # A whole-file kind is one batch: committed, the run died before it said so.
            job.move(JobState.SUCCEEDED, utcnow())
            return await self._finish(job)
        try:
            sheet = read_sheet(content, job.file_name)
            async with self.engine.connect() as conn:
                books = await load_books(
                    conn, job.kind, job.company_id, job.created_by, utcnow(), self.cipher, job.id
                )
            checked = await self._check(job, schema, sheet, books, skip if resuming else 0)
        except DomainError as exc:  # the file or the company: the file's own problems
            return await self._fail(job, file_problems(exc), "The file was refused.")
        job.rows_total = checked.rows_total
        if checked.errors:
            job.error_count = len(checked.errors)
            if job.dry_run:
                return await self._validated(job, checked.errors)
            return await self._fail(job, checked.errors, "Rows were refused; nothing was written.")
        if job.dry_run:
            return await self._validated(job, [])
        if job.state is not JobState.COMMITTING:
            if job.state is JobState.VALIDATING:
                job.move(JobState.VALIDATED, utcnow())
            job.move(JobState.COMMITTING, utcnow())
            job.rows_done = 0
            await self._save(job)
        if job.kind in EACH:
            return await self._commit_each(job, checked, origin)
        return await self._commit(job, schema.batchable, checked, origin)

    async def _commit_each(self, job: Job, checked: Checked, origin: EventOrigin) -> Job:
        """Each item through the API's handler in its own transaction, as the job's starter
        with their current rights; a resumed run replays what was made (idempotency keys)."""
        grants = await load_grants(self.engine, job.created_by)
        if grants is None:
            return await self._fail(job, [], "The user who started the job is deactivated.")
        done = 0
        for index, (_, item) in enumerate(checked.accepted):
            if index % EACH_PROGRESS == 0 and await self._cancel_requested(job):
                job.move(JobState.CANCELLED, utcnow())
                return await self._finish(job)
            uow = self._unit_of_work(origin, f"import:{job.kind}")
            try:
                await EACH[job.kind](uow, item, origin, grants, job.id)
            except RowRefused as exc:
                error = RowError(exc.row, exc.column, exc.code, exc.message)
                return await self._fail(
                    job, [error], f"Row {exc.row} was refused; the items before it stay made."
                )
            done += len(item.rows)
            job.rows_done, job.batches_committed = done, index + 1
            if (index + 1) % EACH_PROGRESS == 0:
                await self._save(job)
        job.move(JobState.SUCCEEDED, utcnow())
        return await self._finish(job)

    async def peek(self, job_id: uuid.UUID) -> Job | None:
        async with self.engine.connect() as conn:
            return await SqlJobRepository(conn).get(job_id)

    async def give_up(self, job_id: uuid.UUID, why: str) -> Job | None:
        """A job whose runs keep crashing ends failed (batches committed before stay)."""
        async with self.engine.connect() as conn:
            job = await SqlJobRepository(conn).get(job_id)
        if job is None or job.is_final:
            return job
        return await self._fail(job, [RowError(1, None, "CRASHED", why)], why)

    async def _check(self, job: Job, schema: Any, sheet: Any, books: Any, skip: int) -> Checked:
        loop = asyncio.get_running_loop()

        def progress(seen: int, errors: int) -> None:
            job.rows_done, job.error_count = seen, errors
            asyncio.run_coroutine_threadsafe(self._publish(job), loop)

        # In a thread: checking is CPU work; the loop meanwhile sends the progress messages.
        return await asyncio.to_thread(
            check_rows, schema, sheet, books, skip=skip, progress=progress, every=PROGRESS_EVERY
        )

    async def _commit(
        self, job: Job, batchable: bool, checked: Checked, origin: EventOrigin
    ) -> Job:
        rows = checked.accepted
        size = job.batch_size if batchable else max(1, len(rows))
        batch = job.batches_committed
        done = job.batches_committed * size if batchable else 0
        for start in range(0, len(rows), size):
            if await self._cancel_requested(job):
                job.move(JobState.CANCELLED, utcnow())
                return await self._finish(job)
            batch += 1
            part = rows[start : start + size]
            # A whole-file kind commits every row of the file at once (its rows may make one
            # thing, as an opening entry).
            after = done + len(part) if batchable else checked.rows_total
            uow = self._unit_of_work(origin, f"import:{job.kind}")
            try:
                async with uow:
                    await WRITERS[job.kind](uow, part, origin)
                    if not await SqlJobRepository(uow.connection).record_batch(
                        job.id, batch, after, utcnow()
                    ):
                        raise RuntimeError(f"batch {batch} of job {job.id} is already committed")
                    await uow.commit()
            except RowRefused as exc:
                error = RowError(exc.row, exc.column, exc.code, exc.message)
                job.error_count = 1
                return await self._fail(
                    job, [error], f"Row {exc.row} was refused; batches before it stay committed."
                )
            done = after
            job.batches_committed, job.rows_done = batch, done
            await self._publish(job)
        job.move(JobState.SUCCEEDED, utcnow())
        return await self._finish(job)

    async def _cancel_requested(self, job: Job) -> bool:
        async with self.engine.connect() as conn:
            return bool(
                (
                    await conn.execute(select(jobs.c.cancel_requested).where(jobs.c.id == job.id))
                ).scalar()
            )

    async def _validated(self, job: Job, errors: list[RowError]) -> Job:
        job.move(JobState.VALIDATED, utcnow())
        job.rows_done = job.rows_total
        return await self._finish(job, errors)

    async def _fail(self, job: Job, errors: list[RowError], why: str) -> Job:
        job.error_count = len(errors)
        job.failure = why
        job.move(JobState.FAILED, utcnow())
        return await self._finish(job, errors)

    async def _finish(self, job: Job, errors: list[RowError] | None = None) -> Job:
        """The last state, the error report and the job's events, in one unit of work."""
        uow = self._unit_of_work(self._origin(job), f"import:{job.kind}")
        async with uow:
            repo = SqlJobRepository(uow.connection)
            current = await repo.get(job.id, for_update=True)
            if current is not None and current.cancel_requested and not job.is_final:
                job.move(JobState.CANCELLED, utcnow())
            if errors is not None:
                await repo.replace_errors(job.id, errors)
            job.cancel_requested = current.cancel_requested if current else job.cancel_requested
            await repo.save(job)
            if job.is_final or (job.dry_run and job.state is JobState.VALIDATED):
                await repo.drop_content(job.id)  # up to the plan's maxImportBytes, kept no longer
            uow.record(job.events)
            await uow.commit()
        await self._publish(job)
        return job

    async def _save(self, job: Job) -> None:
        async with self.engine.begin() as conn:
            await SqlJobRepository(conn).save(job)
        await self._publish(job)

    async def _publish(self, job: Job) -> None:
        message = job.progress()
        if self.on_progress is not None:
            self.on_progress(message)
        if self.heartbeat is not None:
            with contextlib.suppress(Exception):
                await self.heartbeat()
        if self.redis is not None:
            # Best effort: the job row is the truth, a lost message only delays a progress bar.
            with contextlib.suppress(Exception):
                await self.redis.publish(job_channel(self.tenant_id), json.dumps(message))

    def _origin(self, job: Job) -> EventOrigin:
        request = f"job:{job.id}"
        return EventOrigin(
            tenant_id=self.tenant_id,
            user_id=job.created_by,  # the job's rows are its starter's, as with any command
            correlation_id=request,
            metadata=EventMetadata(source=self.source, request_id=request),
        )

    def _unit_of_work(self, origin: EventOrigin, operation: str) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine,
            origin,
            cipher=self.cipher,
            operation=operation,
            after_commit=partial(run_after_commit, self.redis) if self.redis else None,
        )


def file_problems(exc: DomainError) -> list[RowError]:
    return [
        RowError(1, None, str(e.reason if isinstance(e, ImportFieldError) else e.code), e.message)
        for e in exc.errors
    ]
