"""The per-request context every resolver receives.

Process-wide services (engines, Redis hub, token and password services) are built once at
start-up; the context adds who is calling, in which tenant, and a fresh set of dataloaders for
each GraphQL operation.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from graphql import GraphQLError
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.webhooks.url_policy import ResolvingUrlPolicy
from db.access import AccessDirectory
from db.api_keys import ApiKeyDirectory
from db.audit import SqlSignInAudit
from db.crypto import FieldCipher
from db.effects import run_after_commit
from db.engine import TenantEngines
from db.identity import SqlIdentityStore
from db.rate_limit import RateLimiter, Verdict
from db.sign_in_throttle import SignInThrottles
from db.tenant_context import TenantContextStore
from db.tenants import TenantDirectory
from db.unit_of_work import SqlUnitOfWork
from domain.audit.checkpoints import CheckpointSigner
from domain.identity.access import AccessGrants
from domain.identity.model import Principal
from domain.identity.plans import TenantContext, TenantLimits
from domain.identity.ports import AccessTokenIssuer, PasswordHasher
from domain.shared.events import EventMetadata, EventOrigin
from domain.webhooks.ports import UrlPolicy
from resolvers.dataloaders import DataLoaders
from resolvers.events.hub import EventHub


@dataclass
class Services:
    engines: TenantEngines
    tenants: TenantDirectory
    tenant_contexts: TenantContextStore  # the per-request TenantContext, Redis-cached
    identity: SqlIdentityStore
    passwords: PasswordHasher
    tokens: AccessTokenIssuer
    hub: EventHub
    access: AccessDirectory
    redis: Redis
    refresh_ttl: timedelta
    dummy_password_hash: str
    api_keys: ApiKeyDirectory  # integration keys: authenticate, list, note last use
    rate_limiter: RateLimiter  # token buckets per tenant / per client IP
    sign_in: SignInThrottles  # failed sign-in counters and locks
    cipher: FieldCipher  # encryption at rest of sensitive columns (db/crypto.py)
    event_source: str = "bigledger-api"
    introspection: bool = True  # off: introspection queries are refused (production)
    # This process's outbox relay, woken after each commit that wrote events (db/unit_of_work).
    wake_relay: Callable[[str], None] | None = None
    # Signs audit checkpoints with the server's JWT key (server/security/checkpoints.py).
    audit_signer: CheckpointSigner | None = None
    # Checks webhook endpoint URLs (scheme, SSRF ranges; private addresses outside production).
    webhook_urls: UrlPolicy = field(default_factory=lambda: ResolvingUrlPolicy(allow_private=False))


# Loaders live for one operation. Each HTTP request and each websocket operation runs in its
# own asyncio task, so a context variable scopes them correctly even though, on a websocket,
# one context object serves every operation of the connection.
_operation_loaders: ContextVar[tuple[int, DataLoaders] | None] = ContextVar(
    "operation_loaders", default=None
)


@dataclass
class RequestContext:
    services: Services
    request: Any
    response: Any
    request_id: str
    ip_address: str | None = None
    user_agent: str | None = None
    principal: Principal | None = None
    tenant_context: TenantContext | None = None
    auth_error: str | None = None
    connection_params: dict[str, Any] | None = field(default=None, repr=False)
    credential_expires_at: float | None = None  # a JWT's expiry; API keys have none
    # The request's rate-limit hit when authentication ran it in its own Redis round trip
    # (server/authentication.py); server/rate_limit.py uses it instead of hitting again.
    rate_limit_verdict: Verdict | None = None
    # A websocket's way to authenticate its caller again (set in connection_init).
    recheck_credentials: Callable[[], Awaitable[None]] | None = field(default=None, repr=False)

    def authenticate(self, principal: Principal, tenant: TenantContext) -> None:
        self.principal, self.tenant_context, self.auth_error = principal, tenant, None

    def credentials_expired(self) -> bool:
        return self.credential_expires_at is not None and time.time() >= self.credential_expires_at

    async def confirm_credentials(self) -> AccessGrants:
        """A long-lived connection re-checks its caller (still active, still holding the
        token's rights, token not expired) and returns the grants that hold now."""
        if self.recheck_credentials is not None:
            await self.recheck_credentials()
        return self.grants  # UNAUTHENTICATED if the re-check left no principal

    @property
    def tenant(self) -> TenantContext | None:
        """The caller's tenant (its TenantContext; `.id`/`.schema_name` work as before)."""
        return self.tenant_context

    @property
    def limits(self) -> TenantLimits:
        """The caller's tenant's limits (its plan's, with the tenant's overrides)."""
        self.require_principal()
        assert self.tenant_context is not None  # set together with the principal
        return self.tenant_context.limits

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise GraphQLError(
                self.auth_error or "Authentication required.",
                extensions={"code": "UNAUTHENTICATED"},
            )
        return self.principal

    @property
    def grants(self) -> AccessGrants:
        return self.require_principal().grants

    @property
    def tenant_engine(self) -> AsyncEngine:
        return self.services.engines.for_schema(self.require_principal().tenant_schema)

    @property
    def loaders(self) -> DataLoaders:
        current = _operation_loaders.get()
        if current is None or current[0] != id(self):
            return self.fresh_loaders()
        return current[1]

    def begin_operation(self) -> None:
        if self.principal is not None:
            self.fresh_loaders()

    def fresh_loaders(self) -> DataLoaders:
        """Start a new cache (per operation; per event in a subscription so rows are current)."""
        loaders = DataLoaders(self.tenant_engine, self.services.cipher)
        _operation_loaders.set((id(self), loaders))
        return loaders

    def unit_of_work(self, origin: EventOrigin | None = None) -> SqlUnitOfWork:
        """The one place a command's transaction is opened for this caller's tenant."""
        return SqlUnitOfWork(
            self.tenant_engine,
            origin or self.origin(),
            cipher=self.services.cipher,
            wake=self.services.wake_relay,
            after_commit=partial(run_after_commit, self.services.redis),
        )

    def sign_in_audit(self) -> SqlSignInAudit:
        """This request's sign-in attempts, each audited in its own transaction (no tenant,
        hence no unit of work, before the sign-in succeeds)."""
        return SqlSignInAudit(
            self.services.engines.root,
            key=self.services.cipher.audit_chain_key,
            ip_address=self.ip_address,
            user_agent=self.user_agent,
            request_id=self.request_id,
        )

    def origin(self, causation_id: str | None = None) -> EventOrigin:
        principal = self.require_principal()
        return EventOrigin(
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            correlation_id=self.request_id,
            metadata=EventMetadata(
                source=self.services.event_source,
                request_id=self.request_id,
                causation_id=causation_id,
                ip_address=self.ip_address,
                user_agent=self.user_agent,
            ),
        )

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.require_principal().tenant_id
