"""Sign-in data in the shared schema: users by tenant and email, refresh-token families."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.crypto import USER_FULL_NAME, FieldCipher
from db.tables.shared import refresh_tokens, tenants, users
from domain.identity.model import LoginSubject, RefreshToken, RefreshTokenReused
from domain.shared.errors import Unauthenticated


class SqlIdentityStore:
    """Each method opens its own short transaction, not a unit of work: it runs before the
    caller is a tenant's principal (sign-in, token refresh, accepting an invitation by tenant
    slug), so there is no tenant transaction to join and no command origin to record."""

    def __init__(self, engine: AsyncEngine, cipher: FieldCipher) -> None:
        self._engine = engine
        self._cipher = cipher  # `full_name` is personal data, stored encrypted

    async def login_subject(self, tenant_slug: str, email: str) -> LoginSubject | None:
        query = (
            select(
                tenants.c.id.label("tenant_id"),
                (tenants.c.status == "active").label("tenant_active"),
                users.c.id.label("user_id"),
                users.c.is_active.label("user_active"),
                users.c.password_hash,
            )
            .select_from(users.join(tenants, users.c.tenant_id == tenants.c.id))
            .where(tenants.c.slug == tenant_slug, users.c.email == email)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return LoginSubject(**row._mapping) if row else None

    async def start_session(self, token: RefreshToken, now: datetime) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(insert(refresh_tokens).values(**_token_values(token)))
            await conn.execute(
                update(users).where(users.c.id == token.user_id).values(last_login_at=now)
            )

    async def rotate(
        self,
        token_id: uuid.UUID,
        exchange: Callable[[RefreshToken], RefreshToken],
        now: datetime,
    ) -> RefreshToken:
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    select(refresh_tokens).where(refresh_tokens.c.id == token_id).with_for_update()
                )
            ).first()
            if row is None:
                raise Unauthenticated("Refresh token is invalid.")
            current = RefreshToken(**{k: v for k, v in row._mapping.items() if k != "created_at"})
            if not await self._may_sign_in(conn, current.user_id):
                raise Unauthenticated("This account or its tenant is no longer active.")
            try:
                successor = exchange(current)
            except RefreshTokenReused:
                await conn.execute(
                    update(refresh_tokens)
                    .where(
                        refresh_tokens.c.family_id == current.family_id,
                        refresh_tokens.c.revoked_at.is_(None),
                    )
                    .values(revoked_at=now)
                )
                await conn.commit()
                raise
            await conn.execute(
                update(refresh_tokens).where(refresh_tokens.c.id == token_id).values(used_at=now)
            )
            await conn.execute(insert(refresh_tokens).values(**_token_values(successor)))
        return successor

    async def accept_invitation(
        self,
        tenant_slug: str,
        email: str,
        token_hash: bytes,
        password_hash: str,
        now: datetime,
    ) -> tuple[uuid.UUID, uuid.UUID] | None:
        tenant_ids = select(tenants.c.id).where(
            tenants.c.slug == tenant_slug, tenants.c.status == "active"
        )
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    update(users)
                    .where(
                        users.c.tenant_id.in_(tenant_ids.scalar_subquery()),
                        users.c.email == email,
                        users.c.is_active,
                        users.c.invitation_hash == token_hash,
                        users.c.invitation_expires_at > now,
                    )
                    .values(
                        password_hash=password_hash,
                        invitation_hash=None,
                        invitation_expires_at=None,
                        updated_at=now,
                    )
                    .returning(users.c.id, users.c.tenant_id)
                )
            ).first()
        return (row.id, row.tenant_id) if row else None

    @staticmethod
    async def _may_sign_in(conn: AsyncConnection, user_id: uuid.UUID) -> bool:
        query = (
            select(users.c.is_active & (tenants.c.status == "active"))
            .select_from(users.join(tenants, users.c.tenant_id == tenants.c.id))
            .where(users.c.id == user_id)
        )
        return bool((await conn.execute(query)).scalar_one_or_none())

    async def user_profile(self, user_id: uuid.UUID) -> dict[str, object] | None:
        query = select(
            users.c.id, users.c.email, users.c.full_name, users.c.tenant_id, users.c.is_active
        ).where(users.c.id == user_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return USER_FULL_NAME.open_row(self._cipher, row._mapping, tenant=row.tenant_id)


def _token_values(token: RefreshToken) -> dict[str, object]:
    return {
        "id": token.id,
        "family_id": token.family_id,
        "user_id": token.user_id,
        "tenant_id": token.tenant_id,
        "secret_hash": token.secret_hash,
        "expires_at": token.expires_at,
    }
