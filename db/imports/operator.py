"""The operator's imports and exports (`bigledger import <kind>`, `bigledger export <kind>`):
the same job, checks and runner as startImport, run in the calling process instead of a worker,
as the tenant's user named (default: its first active user)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.crypto import FieldCipher
from db.engine import TenantEngines
from db.imports.reads import error_report, export_file
from db.imports.runner import JobRunner
from db.repositories.jobs import SqlJobRepository
from db.tables.shared import tenants, users
from db.unit_of_work import SqlUnitOfWork
from domain.imports.export import ExportFormat
from domain.imports.files import FileProblem, file_error, read_sheet
from domain.imports.registry import schema_of
from domain.imports.schema import count_rows, layout
from domain.jobs.handlers import StartImport
from domain.jobs.model import Job, JobKind
from domain.shared.clock import utcnow
from domain.shared.errors import NotFound
from domain.shared.events import EventMetadata, EventOrigin


@dataclass(frozen=True)
class Target:
    tenant_id: uuid.UUID
    schema: str
    user_id: uuid.UUID


async def target(engine: AsyncEngine, slug: str, user_email: str | None) -> Target:
    async with engine.connect() as conn:
        tenant = (
            await conn.execute(
                select(tenants.c.id, tenants.c.schema_name).where(tenants.c.slug == slug)
            )
        ).first()
        if tenant is None:
            raise LookupError(f"no tenant {slug!r}")
        query = select(users.c.id).where(users.c.tenant_id == tenant.id, users.c.is_active)
        if user_email is not None:
            query = query.where(users.c.email == user_email.strip().lower())
        user = (await conn.execute(query.order_by(users.c.created_at).limit(1))).first()
        if user is None:
            raise LookupError(f"no active user {user_email or ''} in tenant {slug!r}".strip())
        return Target(tenant.id, str(tenant.schema_name), user.id)


async def import_file(
    engine: AsyncEngine,
    cipher: FieldCipher,
    *,
    slug: str,
    company_id: uuid.UUID,
    kind: JobKind,
    file_name: str,
    content: bytes,
    dry_run: bool,
    batch_size: int | None,
    user_email: str | None = None,
    redis: Redis | None = None,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[Job, str]:
    """The job once run, and its error report (CSV). Raises DomainError for a file that
    cannot be imported at all (as startImport answers), LookupError for an unknown target."""
    who = await target(engine, slug, user_email)
    command = StartImport(company_id, kind, file_name, content, dry_run, None, batch_size)
    sheet = read_sheet(content, file_name)
    layout(schema_of(kind), sheet)
    if count_rows(sheet) == 0:
        raise file_error(FileProblem.EMPTY, f"{file_name} has a header but no rows.")
    tenant_engine = TenantEngines(engine).for_schema(who.schema)
    job = Job.start(
        company_id=company_id,
        kind=kind,
        dry_run=dry_run,
        file_name=file_name[:255],
        file_format=sheet.format,
        file_size=len(content),
        fingerprint=command.fingerprint(),
        idempotency_key=None,
        options={"batchSize": batch_size} if batch_size else {},
        batch_size=batch_size,
        actor=who.user_id,
        now=utcnow(),
    )
    request = f"cli:import:{job.id}"
    origin = EventOrigin(
        who.tenant_id,
        who.user_id,
        request,
        EventMetadata(source="bigledger-cli", request_id=request),
    )
    uow = SqlUnitOfWork(tenant_engine, origin, cipher=cipher, operation="startImport")
    async with uow:
        jobs = SqlJobRepository(uow.connection)
        if await jobs.company_currency(company_id) is None:
            raise NotFound("Company", "companyId")
        await jobs.claim(job, content)
        uow.record(job.events)
        await uow.commit()
    runner = JobRunner(
        tenant_engine, who.tenant_id, cipher, redis, source="bigledger-cli", on_progress=on_progress
    )
    ran = await runner.run(job.id)
    assert ran is not None  # a new job: no other run can hold it
    return ran, await error_report(tenant_engine, job.id)


async def export_to(
    engine: AsyncEngine,
    cipher: FieldCipher,
    *,
    slug: str,
    company_id: uuid.UUID,
    kind: JobKind,
    format: ExportFormat,
) -> tuple[bytes, int]:
    import base64

    who = await target(engine, slug, None)
    exported = await export_file(
        TenantEngines(engine).for_schema(who.schema), kind, company_id, format, cipher
    )
    if exported is None:
        raise LookupError(f"no company {company_id} in tenant {slug!r}")
    if exported.text is not None:
        return exported.text.encode(), exported.rows
    return base64.b64decode(exported.base64 or ""), exported.rows
