"""The users of one tenant (rows of the shared `users` table), inside a command's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db.crypto import USER_FULL_NAME, FieldCipher
from db.tables.shared import refresh_tokens, users
from db.tables.tenant import companies
from domain.identity.access_ports import TenantUser


class SqlTenantUsers:
    def __init__(
        self, conn: AsyncConnection, tenant_id: uuid.UUID, cipher: FieldCipher | None
    ) -> None:
        self._conn = conn
        self._tenant_id = tenant_id
        self._cipher = cipher

    async def get(self, user_id: uuid.UUID) -> TenantUser | None:
        row = (
            await self._conn.execute(
                select(users.c.id, users.c.email, users.c.is_active).where(
                    users.c.id == user_id, users.c.tenant_id == self._tenant_id
                )
            )
        ).first()
        return TenantUser(row.id, row.email, row.is_active) if row else None

    async def email_taken(self, email: str) -> bool:
        query = select(users.c.id).where(
            users.c.tenant_id == self._tenant_id, users.c.email == email
        )
        return (await self._conn.execute(query)).first() is not None

    async def count_active(self) -> int:
        query = select(func.count()).where(users.c.tenant_id == self._tenant_id, users.c.is_active)
        return int((await self._conn.execute(query)).scalar_one())

    async def invite(
        self,
        user_id: uuid.UUID,
        email: str,
        full_name: str | None,
        invitation_hash: bytes,
        expires_at: datetime,
        by: uuid.UUID,
    ) -> None:
        if self._cipher is None:
            raise RuntimeError("inviting needs the FieldCipher: names are personal data")
        name = USER_FULL_NAME.seal(self._cipher, full_name, tenant=self._tenant_id, row_id=user_id)
        await self._conn.execute(
            insert(users).values(
                id=user_id,
                tenant_id=self._tenant_id,
                email=email,
                **name,
                password_hash=None,
                invitation_hash=invitation_hash,
                invitation_expires_at=expires_at,
                invited_by=by,
            )
        )

    async def deactivate(self, user_id: uuid.UUID, now: datetime) -> None:
        await self._conn.execute(
            update(users)
            .where(users.c.id == user_id, users.c.tenant_id == self._tenant_id)
            .values(is_active=False, updated_at=now)
        )
        await self._conn.execute(  # every session of theirs ends
            update(refresh_tokens)
            .where(refresh_tokens.c.user_id == user_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def company_exists(self, company_id: uuid.UUID) -> bool:
        query = select(companies.c.id).where(companies.c.id == company_id)
        return (await self._conn.execute(query)).first() is not None
