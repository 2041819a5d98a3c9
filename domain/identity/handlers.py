"""Sign-in and token refresh."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from domain.audit.model import OUTCOME_OK
from domain.audit.ports import SignInAudit
from domain.identity.model import BAD_CREDENTIALS, RefreshToken, TokenPair
from domain.identity.password_policy import check_password
from domain.identity.ports import AccessTokenIssuer, IdentityStore, PasswordHasher
from domain.identity.throttle import SignInThrottle
from domain.shared.clock import utcnow
from domain.shared.errors import ErrorCode, Unauthenticated


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
    audit: SignInAudit | None = None,
    throttle: SignInThrottle | None = None,
) -> TokenPair:
    # Repeated failures slow sign-in down, then lock it (raises Unauthenticated while locked).
    try:
        attempt = await throttle.begin(tenant_slug, email) if throttle is not None else None
    except Unauthenticated:
        if audit is not None:  # a locked account's attempts are on record too
            locked = await store.login_subject(tenant_slug.strip().lower(), email.strip().lower())
            await audit.sign_in(
                tenant_slug=tenant_slug.strip().lower(),
                tenant_id=locked.tenant_id if locked else None,
                user_id=locked.user_id if locked else None,
                outcome="LOCKED",
            )
        raise
    subject = await store.login_subject(tenant_slug.strip().lower(), email.strip().lower())
    # Verify against a dummy hash when there is no such user, so timing does not tell.
    # Hashing is deliberately slow: keep it off the event loop.
    ok = await asyncio.to_thread(
        hasher.verify, (subject and subject.password_hash) or dummy_hash, password
    )
    if (
        subject is None
        or subject.password_hash is None  # invited, not yet accepted
        or not ok
        or not subject.user_active
        or not subject.tenant_active
    ):
        if audit is not None:  # the user, if the email exists in the tenant
            await audit.sign_in(
                tenant_slug=tenant_slug.strip().lower(),
                tenant_id=subject.tenant_id if subject else None,
                user_id=subject.user_id if subject else None,
                outcome=ErrorCode.UNAUTHENTICATED.value,
            )
        if attempt is not None:
            await attempt.failed()
        raise Unauthenticated(BAD_CREDENTIALS)
    if attempt is not None:
        await attempt.succeeded()
    pair = await _start_session(subject.user_id, subject.tenant_id, store, tokens, refresh_ttl)
    if audit is not None:
        await audit.sign_in(
            tenant_slug=tenant_slug.strip().lower(),
            tenant_id=subject.tenant_id,
            user_id=subject.user_id,
            outcome=OUTCOME_OK,
        )
    return pair


async def _start_session(
    user_id: uuid.UUID,
    tenant_id: uuid.UUID,
    store: IdentityStore,
    tokens: AccessTokenIssuer,
    refresh_ttl: timedelta,
) -> TokenPair:
    now = utcnow()
    refresh, presented = RefreshToken.issue(
        user_id=user_id, tenant_id=tenant_id, now=now, ttl=refresh_ttl
    )
    await store.start_session(refresh, now)
    access, expires_in = tokens.issue_access_token(user_id=user_id, tenant_id=tenant_id)
    return TokenPair(access, presented, expires_in)


async def accept_invitation(
    *,
    tenant_slug: str,
    email: str,
    token: str,
    password: str,
    store: IdentityStore,
    hasher: PasswordHasher,
    tokens: AccessTokenIssuer,
    refresh_ttl: timedelta,
) -> TokenPair:
    """An invited user sets their password with the token they were given, and is signed in."""
    check_password(password, personal=(email, tenant_slug))
    password_hash = await asyncio.to_thread(hasher.hash, password)
    accepted = await store.accept_invitation(
        tenant_slug.strip().lower(),
        email.strip().lower(),
        RefreshToken.hash_secret(token),
        password_hash,
        utcnow(),
    )
    if accepted is None:
        raise Unauthenticated("This invitation is not valid or has expired.")
    user_id, tenant_id = accepted
    return await _start_session(user_id, tenant_id, store, tokens, refresh_ttl)


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
