"""Who is calling, and the rules of refresh-token rotation."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.identity.access import AccessGrants
from domain.shared.errors import Unauthenticated

TENANT_SLUG_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"

# Deliberately the same message for every sign-in failure: it must not reveal whether the
# tenant or the email exists.
BAD_CREDENTIALS = "Invalid tenant, email or password."


@dataclass(frozen=True)
class Principal:
    """An authenticated user (or a user's API key) acting inside one tenant."""

    user_id: uuid.UUID
    tenant_id: uuid.UUID
    tenant_schema: str
    grants: AccessGrants
    api_key_id: uuid.UUID | None = None


@dataclass(frozen=True)
class LoginSubject:
    tenant_id: uuid.UUID
    tenant_active: bool
    user_id: uuid.UUID
    user_active: bool
    password_hash: str | None  # None until an invited user sets one


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds until the access token expires


@dataclass(frozen=True)
class RefreshToken:
    """A single-use refresh token. Its secret is shown once; only its hash is stored.

    Tokens descend in a family from one sign-in. Presenting a token twice means it was copied:
    the whole family is revoked, so the thief's copy dies with the user's.
    """

    id: uuid.UUID
    family_id: uuid.UUID
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    secret_hash: bytes
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    @staticmethod
    def hash_secret(secret: str) -> bytes:
        return hashlib.sha256(secret.encode()).digest()

    @classmethod
    def issue(
        cls,
        *,
        user_id: uuid.UUID,
        tenant_id: uuid.UUID,
        now: datetime,
        ttl: timedelta,
        family_id: uuid.UUID | None = None,
    ) -> tuple[RefreshToken, str]:
        secret = secrets.token_urlsafe(32)
        token = cls(
            id=uuid.uuid4(),
            family_id=family_id or uuid.uuid4(),
            user_id=user_id,
            tenant_id=tenant_id,
            secret_hash=cls.hash_secret(secret),
            expires_at=now + ttl,
        )
        return token, f"{token.id}.{secret}"

    @staticmethod
    def parse(presented: str) -> tuple[uuid.UUID, str]:
        token_id, _, secret = presented.partition(".")
        try:
            return uuid.UUID(token_id), secret
        except ValueError:
            raise Unauthenticated("Refresh token is malformed.") from None

    def check_presentable(self, secret: str, now: datetime) -> None:
        """Raise unless this token may be exchanged now. Reuse is reported distinctly."""
        if not secrets.compare_digest(self.secret_hash, self.hash_secret(secret)):
            raise Unauthenticated("Refresh token is invalid.")
        if self.revoked_at is not None:
            raise Unauthenticated("Refresh token has been revoked; sign in again.")
        if self.used_at is not None:
            raise RefreshTokenReused()
        if now >= self.expires_at:
            raise Unauthenticated("Refresh token has expired; sign in again.")


class RefreshTokenReused(Unauthenticated):
    def __init__(self) -> None:
        super().__init__("Refresh token was already used; all sessions from it are revoked.")
