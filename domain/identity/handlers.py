"""Sign-in and token refresh."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from domain.identity.model import BAD_CREDENTIALS, RefreshToken, TokenPair
from domain.identity.ports import AccessTokenIssuer, IdentityStore, PasswordHasher
from domain.shared.clock import utcnow
from domain.shared.errors import Unauthenticated


async def login(
    *,
    tenant_slug: str,
    email: str,
    password: str,
    store: IdentityStore,
    hasher: PasswordHasher,
    tokens: AccessTokenIssuer,
    refresh_ttl: timedelta,
    dummy_hash: str,
) -> TokenPair:
    subject = await store.login_subject(tenant_slug.strip().lower(), email.strip().lower())
    # Verify against a dummy hash when there is no such user, so timing does not tell.
    # Hashing is deliberately slow: keep it off the event loop.
    ok = await asyncio.to_thread(
        hasher.verify, subject.password_hash if subject else dummy_hash, password
    )
    if subject is None or not ok or not subject.user_active or not subject.tenant_active:
        raise Unauthenticated(BAD_CREDENTIALS)
    now = utcnow()
    refresh, presented = RefreshToken.issue(
        user_id=subject.user_id, tenant_id=subject.tenant_id, now=now, ttl=refresh_ttl
    )
    await store.start_session(refresh, now)
    access, expires_in = tokens.issue_access_token(
        user_id=subject.user_id, tenant_id=subject.tenant_id
    )
    return TokenPair(access, presented, expires_in)


async def refresh(
    *,
    presented: str,
    store: IdentityStore,
    tokens: AccessTokenIssuer,
    refresh_ttl: timedelta,
) -> TokenPair:
    token_id, secret = RefreshToken.parse(presented)
    now = utcnow()
    issued: list[str] = []

    def exchange(current: RefreshToken) -> RefreshToken:
        current.check_presentable(secret, now)
        successor, successor_presented = RefreshToken.issue(
            user_id=current.user_id,
            tenant_id=current.tenant_id,
            now=now,
            ttl=refresh_ttl,
            family_id=current.family_id,
        )
        issued.append(successor_presented)
        return successor

    successor = await store.rotate(token_id, exchange, now)
    access, expires_in = tokens.issue_access_token(
        user_id=successor.user_id, tenant_id=successor.tenant_id
    )
    return TokenPair(access, issued[0], expires_in)
