"""Process-wide services, built at start-up and torn down at shutdown."""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

from redis.asyncio import Redis

from adapters.webhooks.url_policy import ResolvingUrlPolicy
from db.access import AccessDirectory
from db.api_keys import ApiKeyDirectory
from db.crypto import FieldCipher
from db.engine import TenantEngines, create_engine
from db.identity import SqlIdentityStore
from db.rate_limit import RateLimiter
from db.sign_in_throttle import SignInThrottles
from db.tenant_context import TenantContextStore
from db.tenants import TenantDirectory
from resolvers.context import Services
from resolvers.events.hub import EventHub
from server.rate_limit import rate_limits, sign_in_policy
from server.security.checkpoints import JwsCheckpointSigner
from server.security.passwords import Argon2PasswordHasher
from server.security.tokens import TokenService, load_or_create_signing_key
from server.settings import Settings
from workers import celery_app
from workers.audit_upkeep import AuditUpkeep
from workers.relay import OutboxRelay


@dataclass(frozen=True)
class Endpoints:
    """Where the real servers are (configured, or the embedded ones)."""

    database_url: str
    redis_url: str
    broker_url: str
    celery_queue: str = "bigledger"


class CelerySender:
    """Enqueues on *these* endpoints' broker and queues: handler tasks (`dispatch`) and webhook
    rounds (`kick_webhooks`).

    It owns its broker connection and names the queue on every message instead of using the
    process-wide Celery app's producer pool and default queue, which the first caller binds and
    any later `configure` (another server in the same process) redirects. A down broker fails
    the attempt at once (no kombu connect-retry loop, ~6 s per attempt): the relay keeps the
    events pending and retries with its own backoff.
    """

    def __init__(self, endpoints: Endpoints) -> None:
        self._app = celery_app.configure(
            broker_url=endpoints.broker_url,
            database_url=endpoints.database_url,
            queue=endpoints.celery_queue,
        )
        self._queue = endpoints.celery_queue
        self._connection = self._app.connection_for_write(
            endpoints.broker_url, transport_options={"max_retries": 0}
        )
        self._lock = threading.Lock()  # a kombu connection is not thread-safe

    def _send(self, name: str, arguments: Sequence[list[str]], queue: str) -> None:
        with self._lock:
            producer = self._app.amqp.Producer(self._connection)
            for args in arguments:
                self._app.send_task(name, args=args, producer=producer, queue=queue, retry=False)

    def dispatch(self, jobs: Sequence[tuple[str, str, str]]) -> None:
        self._send("bigledger.handle_event", [list(job) for job in jobs], self._queue)

    def kick_webhooks(self, tenant_ids: Sequence[str]) -> None:
        self._send(
            "bigledger.webhooks.deliver",
            [[tenant_id] for tenant_id in tenant_ids],
            celery_app.webhook_queue(self._queue),
        )


def token_service(settings: Settings) -> TokenService:
    key = load_or_create_signing_key(
        settings.jwt_private_key, settings.data_dir / "jwt-signing-key.pem"
    )
    return TokenService(
        key,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
    )


def checkpoint_signer(settings: Settings) -> JwsCheckpointSigner:
    """Audit checkpoints are signed with the access tokens' key (published in the JWKS)."""
    key = load_or_create_signing_key(
        settings.jwt_private_key, settings.data_dir / "jwt-signing-key.pem"
    )
    return JwsCheckpointSigner(key, issuer=settings.jwt_issuer)


def field_cipher(settings: Settings) -> FieldCipher:
    """Keys from BIGLEDGER_ENCRYPTION_KEYS, else the data dir's ring (made on first run)."""
    configured = settings.encryption_keys.get_secret_value() if settings.encryption_keys else None
    return FieldCipher.load(configured, settings.data_dir / "encryption-keys.json")


@contextlib.asynccontextmanager
async def running_services(settings: Settings, endpoints: Endpoints) -> AsyncIterator[Services]:
    engine = create_engine(
        endpoints.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    engines = TenantEngines(engine)
    tenants = TenantDirectory(engine)
    redis = Redis.from_url(endpoints.redis_url, socket_connect_timeout=2, socket_timeout=5)
    # Subscribers fill the hub's gaps from their tenant's outbox (resolvers/events/stream.py).
    hub = EventHub(endpoints.redis_url)
    passwords = Argon2PasswordHasher()
    cipher = field_cipher(settings)
    services = Services(
        engines=engines,
        tenants=tenants,
        tenant_contexts=TenantContextStore(engine, redis),
        identity=SqlIdentityStore(engine, cipher),
        passwords=passwords,
        tokens=token_service(settings),
        hub=hub,
        redis=redis,
        access=AccessDirectory(redis),
        refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
        # A hash nobody knows the password of, verified when the user does not exist.
        dummy_password_hash=passwords.hash(secrets.token_urlsafe(32)),
        api_keys=ApiKeyDirectory(engine, redis),
        rate_limiter=RateLimiter(redis, rate_limits(settings)),
        sign_in=SignInThrottles(redis, sign_in_policy(settings)),
        cipher=cipher,
        introspection=settings.introspection_enabled,
        audit_signer=checkpoint_signer(settings),
        webhook_urls=ResolvingUrlPolicy(allow_private=settings.webhook_private_addresses_allowed),
    )
    sender = CelerySender(endpoints)
    relay = OutboxRelay(
        database_url=endpoints.database_url,
        tenants=tenants,
        redis=redis,
        dispatch=sender.dispatch,
        redispatch_after=settings.event_redispatch_after,
        kick_webhooks=sender.kick_webhooks,
        webhook_sweep_interval=settings.webhook_sweep_interval,
    )
    services.wake_relay = relay.mark_dirty
    await hub.start()
    await relay.start()
    assert services.audit_signer is not None
    upkeep = AuditUpkeep(
        engine,
        tenants,
        services.audit_signer,
        cipher.audit_chain_key,
        interval=timedelta(seconds=settings.audit_checkpoint_interval),
    )
    await upkeep.start()
    try:
        yield services
    finally:
        await upkeep.stop()
        await relay.stop()
        await hub.stop()
        await services.api_keys.drain()
        await redis.aclose()
        await engine.dispose()
