"""What the job handlers need from storage (db/repositories/jobs.py implements it)."""

from __future__ import annotations

import uuid
from typing import Protocol

from domain.jobs.model import Job


class JobRepository(Protocol):
    async def claim(self, job: Job, content: bytes) -> Job | None: ...

    async def get(self, job_id: uuid.UUID, *, for_update: bool = False) -> Job | None: ...

    async def save(self, job: Job) -> None: ...

    async def drop_content(self, job_id: uuid.UUID) -> None: ...

    async def company_currency(self, company_id: uuid.UUID) -> str | None: ...
