"""The audit log's upkeep in each API process: key lanes written before keying, once at start,
then a signed checkpoint of every active tenant's lanes each interval (db/audit_checkpoints).

A timer beside the outbox relay rather than Celery beat: signing needs the server's JWT key,
which the API process holds. Several processes may run it; `issue` skips a tenant whose last
checkpoint is recent or whose log has not moved, under a per-tenant lock, so each tenant gets
at most about one checkpoint per interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from db import audit_checkpoints
from db.audit import key_legacy_lanes
from db.tenants import TenantDirectory
from domain.audit.checkpoints import CheckpointSigner

logger = logging.getLogger("bigledger.audit")


class AuditUpkeep:
    def __init__(
        self,
        engine: AsyncEngine,
        tenants: TenantDirectory,
        signer: CheckpointSigner,
        chain_key: bytes,
        *,
        interval: timedelta,
    ) -> None:
        self._engine = engine
        self._tenants = tenants
        self._signer = signer
        self._key = chain_key
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-upkeep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self) -> None:
        try:
            await key_legacy_lanes(self._engine, self._key)
        except Exception:  # the database may still be coming up; the next start tries again
            logger.exception("could not key the audit lanes written before keying")
        while True:
            await asyncio.sleep(self._interval.total_seconds())
            try:
                await self.checkpoint_all()
            except Exception:
                logger.exception("periodic audit checkpoints failed")

    async def checkpoint_all(self) -> int:
        """A checkpoint for every active tenant that is due one; returns how many were issued."""
        issued = 0
        due_after = self._interval * 0.9  # a timer that fires a little early still issues
        for tenant in await self._tenants.all_active():
            made = await audit_checkpoints.issue(
                self._engine, tenant.id, self._signer, unless_newer_than=due_after
            )
            issued += made is not None
        return issued
