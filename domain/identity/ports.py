from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from domain.identity.model import LoginSubject, RefreshToken


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


class AccessTokenIssuer(Protocol):
    def issue_access_token(self, *, user_id: uuid.UUID, tenant_id: uuid.UUID) -> tuple[str, int]:
        """Return (signed token, seconds until it expires)."""


class IdentityStore(Protocol):
    """Persistence of sign-in data (the shared schema)."""

    async def login_subject(self, tenant_slug: str, email: str) -> LoginSubject | None: ...

    async def start_session(self, token: RefreshToken, now: datetime) -> None:
        """Store the first refresh token of a sign-in and note the sign-in time."""

    async def rotate(
        self,
        token_id: uuid.UUID,
        exchange: Callable[[RefreshToken], RefreshToken],
        now: datetime,
    ) -> RefreshToken:
        """Lock the token, let `exchange` check it and build its successor, store both.

        If `exchange` raises RefreshTokenReused, the token's whole family is revoked (and that
        revocation is committed) before the error propagates.
        """

    async def accept_invitation(
        self,
        tenant_slug: str,
        email: str,
        token_hash: bytes,
        password_hash: str,
        now: datetime,
    ) -> tuple[uuid.UUID, uuid.UUID] | None:
        """Set the password of a pending invitation; (user id, tenant id), or None if invalid."""
