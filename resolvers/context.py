"""The per-request context every resolver receives.

Process-wide services (engines, Redis hub, token and password services) are built once at
start-up; the context adds who is calling, in which tenant, and a fresh set of dataloaders for
each GraphQL operation.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from graphql import GraphQLError
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from db.access import AccessDirectory
from db.engine import TenantEngines
from db.identity import SqlIdentityStore
from db.tenants import TenantDirectory, TenantRecord
from domain.identity.access import AccessGrants
from domain.identity.model import Principal
from domain.identity.ports import AccessTokenIssuer, PasswordHasher
from domain.shared.events import EventMetadata, EventOrigin
from resolvers.dataloaders import DataLoaders
from resolvers.events.hub import EventHub


@dataclass
class Services:
    engines: TenantEngines
    tenants: TenantDirectory
    identity: SqlIdentityStore
    passwords: PasswordHasher
    tokens: AccessTokenIssuer
    hub: EventHub
    access: AccessDirectory
    redis: Redis
    refresh_ttl: timedelta
    dummy_password_hash: str
    event_source: str = "bigledger-api"


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
    tenant: TenantRecord | None = None
    auth_error: str | None = None
    connection_params: dict[str, Any] | None = field(default=None, repr=False)

    def authenticate(self, principal: Principal, tenant: TenantRecord) -> None:
        self.principal, self.tenant, self.auth_error = principal, tenant, None

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
        loaders = DataLoaders.build(self.tenant_engine)
        _operation_loaders.set((id(self), loaders))
        return loaders

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
