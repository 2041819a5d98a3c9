"""API keys for integrations (`Authorization: Bearer blg_live_sk_…`).

A key is created with a chosen set of permissions; its token is shown once and only a SHA-256
of it is stored (tokens carry 256 random bits, so a fast hash is the right one: there is
nothing to brute-force). A key acts for the user who created it and never holds more than that
user holds *at the time of each call*: its grants are the intersection of its permissions with
the creator's current grants, so demoting or deactivating the creator narrows or stops the key.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from domain.identity.access import AccessGrants, Permission, validate_permissions
from domain.identity.delegation import check_key_permissions
from domain.shared.clock import utcnow
from domain.shared.errors import NotFound, ValidationErrors
from domain.shared.events import EventOrigin, RecordedEvent
from domain.shared.unit_of_work import UnitOfWork

API_KEY_MARK = "blg_"  # a bearer token starting with this is an API key, not a JWT
TOKEN_PREFIX = "blg_live_sk_"  # noqa: S105 (the format, not a secret)
TOKEN_PATTERN = re.compile(r"^blg_live_sk_[A-Za-z0-9_-]{43}$")
DISPLAY_PREFIX_LENGTH = 16  # "blg_live_sk_" and 4 characters of the secret: tells keys apart
MAX_NAME_LENGTH = 100


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)  # 32 bytes: 43 url-safe characters


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def is_api_key(token: str) -> bool:
    return token.startswith(API_KEY_MARK)


def well_formed(token: str) -> bool:
    return TOKEN_PATTERN.match(token) is not None


@dataclass(frozen=True)
class ApiKey:
    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    prefix: str
    permissions: tuple[Permission, ...]
    created_by: uuid.UUID
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


# --- what a key may do ----------------------------------------------------------------------


def _narrower(mine: str, held: str) -> str | None:
    if mine == "*":
        return held
    if held in ("*", mine):
        return mine
    return None


def meet(wanted: Permission, held: Permission) -> Permission | None:
    """The part of `wanted` that `held` covers (conditions of both apply), or None."""
    resource = _narrower(wanted.resource, held.resource)
    action = _narrower(wanted.action, held.action)
    if resource is None or action is None:
        return None
    return Permission(
        resource, action, tuple(dict.fromkeys((*wanted.conditions, *held.conditions)))
    )


def restrict(creator: AccessGrants, permissions: Iterable[Permission]) -> AccessGrants:
    """A key's grants: its permissions, wherever and as far as its creator holds them now."""
    wanted = tuple(permissions)

    def within(held: Iterable[Permission]) -> tuple[Permission, ...]:
        held = tuple(held)
        found = (meet(w, h) for w in wanted for h in held)
        return tuple(dict.fromkeys(p for p in found if p is not None))

    return AccessGrants(
        user_id=creator.user_id,
        tenant_permissions=within(creator.tenant_permissions),
        all_companies=creator.all_companies,
        companies={company: within(held) for company, held in creator.companies.items()},
    )


# --- commands and their handlers ------------------------------------------------------------


@dataclass(frozen=True)
class CreateApiKey:
    name: str
    permissions: tuple[Permission, ...]


@dataclass(frozen=True)
class RevokeApiKey:
    key_id: uuid.UUID


class ApiKeyRepository(Protocol):
    """The tenant's keys, inside the command's unit of work (use within `async with uow`)."""

    async def add(self, key: ApiKey, secret_hash: bytes) -> None: ...

    async def get_for_update(self, key_id: uuid.UUID) -> ApiKey | None: ...

    async def revoke(self, key_id: uuid.UUID, now: datetime) -> None: ...


def _event(event_type: str, key: ApiKey) -> RecordedEvent:
    payload = {
        "name": key.name,
        "prefix": key.prefix,
        "permissions": [p.to_json() for p in key.permissions],
        "createdBy": str(key.created_by),
    }
    return RecordedEvent(event_type, "ApiKey", key.id, payload, utcnow())


async def create_api_key(
    cmd: CreateApiKey,
    uow: UnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    *,
    keys: ApiKeyRepository,
) -> tuple[ApiKey, str]:
    """Returns the key and its token; the token is never available again."""
    grants.check("apikey", "create")
    name = cmd.name.strip()
    errors = ValidationErrors()
    if not name or len(name) > MAX_NAME_LENGTH:
        errors.add("name", f"Name: 1-{MAX_NAME_LENGTH} characters.")
    if not cmd.permissions:
        errors.add("permissions", "Choose at least one permission.")
    errors.raise_if_any()
    validate_permissions(cmd.permissions, "permissions")
    permissions = tuple(dict.fromkeys(cmd.permissions))
    check_key_permissions(grants, permissions)
    token = generate_token()
    key = ApiKey(
        id=uuid.uuid4(),
        tenant_id=origin.tenant_id,
        name=name,
        prefix=token[:DISPLAY_PREFIX_LENGTH],
        permissions=permissions,
        created_by=origin.user_id,
        created_at=utcnow(),
    )
    async with uow:
        await keys.add(key, hash_token(token))
        uow.record([_event("ApiKeyCreated", key)])
        await uow.commit()
    return key, token


async def revoke_api_key(
    cmd: RevokeApiKey,
    uow: UnitOfWork,
    origin: EventOrigin,
    grants: AccessGrants,
    *,
    keys: ApiKeyRepository,
) -> ApiKey:
    """Revoking is immediate (the next call with the key fails) and idempotent."""
    grants.check("apikey", "revoke")
    async with uow:
        key = await keys.get_for_update(cmd.key_id)
        if key is None:
            raise NotFound("API key")
        if key.revoked_at is not None:
            return key
        key = replace(key, revoked_at=utcnow())
        assert key.revoked_at is not None
        await keys.revoke(key.id, key.revoked_at)
        uow.record([_event("ApiKeyRevoked", key)])
        await uow.commit()
    return key
