"""Settings from the environment (and `.env`). Nothing else reads os.environ."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.identity.plans import PLANS

CPU_CORES = os.cpu_count() or 1


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development", alias="BIGLEDGER_ENV"
    )
    host: str = Field("127.0.0.1", alias="HOST")
    port: int = Field(8000, alias="PORT")

    # Unset: an embedded PostgreSQL / Redis is started with data under `data_dir`.
    database_url: str | None = Field(None, alias="DATABASE_URL")
    redis_url: str | None = Field(None, alias="REDIS_URL")
    # Unset: Celery uses Redis (REDIS_URL's server, database 1) as its broker.
    celery_broker_url: str | None = Field(None, alias="CELERY_BROKER_URL")
    celery_queue: str = Field("bigledger", alias="BIGLEDGER_CELERY_QUEUE")
    data_dir: Path = Field(Path(".bigledger"), alias="BIGLEDGER_DATA_DIR")
    database_name: str = Field("bigledger", alias="BIGLEDGER_DATABASE_NAME")

    jwt_issuer: str = Field("https://auth.bigledger.local", alias="BIGLEDGER_JWT_ISSUER")
    jwt_audience: str = Field("bigledger-api", alias="BIGLEDGER_JWT_AUDIENCE")
    # PEM of an RSA private key; unset: generated on first run and kept in data_dir.
    jwt_private_key: str | None = Field(None, alias="BIGLEDGER_JWT_PRIVATE_KEY")
    # Key ring for encrypted columns, JSON: {"active": "k2", "keys": {"k1": "<base64 32 bytes>",
    # "k2": "..."}, "index_key": "<base64>"}; unset: generated on first run and kept in data_dir.
    encryption_keys: SecretStr | None = Field(None, alias="BIGLEDGER_ENCRYPTION_KEYS")
    access_token_ttl_seconds: int = Field(900, alias="BIGLEDGER_ACCESS_TOKEN_TTL")
    refresh_token_ttl_seconds: int = Field(30 * 24 * 3600, alias="BIGLEDGER_REFRESH_TOKEN_TTL")
    # Seconds between signed checkpoints of each tenant's audit lanes (workers/audit_upkeep.py).
    audit_checkpoint_interval: float = Field(3600.0, alias="BIGLEDGER_AUDIT_CHECKPOINT_INTERVAL")

    # Origins a browser app may call from (HTTP CORS and websocket Origin check).
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:4200", "http://127.0.0.1:4200"],
        alias="BIGLEDGER_ALLOWED_ORIGINS",
    )
    max_body_bytes: int = Field(1_048_576, alias="BIGLEDGER_MAX_BODY_BYTES")
    # A multipart request (a GraphQL upload: imports, bank statements): the largest plan's
    # file limit (maxImportBytes) and its form around it; each tenant's plan bounds it further.
    max_upload_bytes: int = Field(
        default_factory=lambda: max(p.limits.max_import_bytes for p in PLANS.values()) + 65_536,
        alias="BIGLEDGER_MAX_UPLOAD_BYTES",
    )
    # Unset: on, except with BIGLEDGER_ENV=production (see `graphiql_enabled`).
    graphiql: bool | None = Field(None, alias="BIGLEDGER_GRAPHIQL")
    # Unset: on, except with BIGLEDGER_ENV=production (see `introspection_enabled`).
    introspection: bool | None = Field(None, alias="BIGLEDGER_INTROSPECTION")

    # Webhooks (workers/webhooks.py): seconds a receiver has to answer one delivery, and whether
    # endpoint URLs may point at private, loopback or link-local addresses (unset: only outside
    # production, for local receivers in development and tests).
    webhook_timeout: float = Field(15.0, alias="BIGLEDGER_WEBHOOK_TIMEOUT")
    webhooks_allow_private: bool | None = Field(None, alias="BIGLEDGER_WEBHOOKS_ALLOW_PRIVATE")
    # Seconds between the relay's looks for webhook messages due (retries beyond a round's reach).
    webhook_sweep_interval: float = Field(15.0, alias="BIGLEDGER_WEBHOOK_SWEEP_INTERVAL")

    # Connectors (workers/connectors.py): the hour (UTC) of the daily run of every enabled
    # daily connector (Celery beat: `bigledger beat`), and seconds a source has to answer.
    connectors_daily_hour: int = Field(5, ge=0, le=23, alias="BIGLEDGER_CONNECTORS_DAILY_HOUR")
    connector_timeout: float = Field(15.0, alias="BIGLEDGER_CONNECTOR_TIMEOUT")

    demo_password: str | None = Field(None, alias="BIGLEDGER_DEMO_PASSWORD")
    # An outbox event dispatched this long ago and not yet recorded by every handler of its
    # type is sent to the missing handlers again (workers/relay.py).
    event_redispatch_after: float = Field(120.0, alias="BIGLEDGER_EVENT_REDISPATCH_AFTER")
    # /readyz answers 503 while no worker of the queue beats (`serve --with-worker` sets it).
    require_worker: bool = Field(False, alias="BIGLEDGER_REQUIRE_WORKER")
    # `serve --with-worker`: the first wait before a dead worker is started again (doubling up
    # to 30 s while it keeps dying).
    worker_restart_backoff: float = Field(1.0, alias="BIGLEDGER_WORKER_RESTART_BACKOFF")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    # Connections per API process: 2 per CPU core, plus 1 per core of overflow (4 + 2 on 2
    # cores). Few on purpose: transactions beyond what the cores can run queue here, in the
    # pool, instead of inside PostgreSQL, where each open posting holds balance rows and waits
    # for its company's entry-number row, and the convoy grows with every connection. On 2
    # cores at 32 clients, 4 + 2 posted ~15 % more entries/s than 8 + 4, which posted ~20 %
    # more than 10 + 20 (bench/RESULTS.md, posting throughput). Set both when PostgreSQL runs
    # on a machine of another size.
    db_pool_size: int = Field(default_factory=lambda: 2 * CPU_CORES, alias="BIGLEDGER_DB_POOL_SIZE")
    db_max_overflow: int = Field(
        default_factory=lambda: CPU_CORES, alias="BIGLEDGER_DB_MAX_OVERFLOW"
    )

    # Rate limits (Redis token buckets). Per tenant for authenticated calls (a plan's
    # `apiRateLimit` overrides the rate); per client IP for unauthenticated ones. 0 turns off.
    rate_limit_per_minute: int = Field(1000, alias="BIGLEDGER_RATE_LIMIT_PER_MINUTE")
    rate_limit_burst: int = Field(100, alias="BIGLEDGER_RATE_LIMIT_BURST")
    anonymous_rate_limit_per_minute: int = Field(1200, alias="BIGLEDGER_ANON_RATE_LIMIT_PER_MINUTE")
    anonymous_rate_limit_burst: int = Field(300, alias="BIGLEDGER_ANON_RATE_LIMIT_BURST")
    # Sign-in throttling: failures per (tenant, email) and per client IP. After `free` failures
    # each attempt waits (delay, doubling, capped); after `lock` failures sign-in is refused for
    # `lock_seconds`. Counters are forgotten `window_seconds` after the last attempt.
    sign_in_free_failures: int = Field(5, alias="BIGLEDGER_SIGNIN_FREE_FAILURES")
    sign_in_lock_failures: int = Field(10, alias="BIGLEDGER_SIGNIN_LOCK_FAILURES")
    sign_in_ip_free_failures: int = Field(50, alias="BIGLEDGER_SIGNIN_IP_FREE_FAILURES")
    sign_in_ip_lock_failures: int = Field(200, alias="BIGLEDGER_SIGNIN_IP_LOCK_FAILURES")
    sign_in_delay_seconds: float = Field(1.0, alias="BIGLEDGER_SIGNIN_DELAY_SECONDS")
    sign_in_max_delay_seconds: float = Field(8.0, alias="BIGLEDGER_SIGNIN_MAX_DELAY_SECONDS")
    sign_in_lock_seconds: int = Field(900, alias="BIGLEDGER_SIGNIN_LOCK_SECONDS")
    sign_in_window_seconds: int = Field(900, alias="BIGLEDGER_SIGNIN_WINDOW_SECONDS")

    @classmethod
    def _split_origins(cls, value: object) -> object:
        return (
            [o.strip() for o in value.split(",") if o.strip()] if isinstance(value, str) else value
        )

    def model_post_init(self, __context: object) -> None:
        self.allowed_origins = self._split_origins(self.allowed_origins)  # type: ignore[assignment]
        self.data_dir = self.data_dir.resolve()

    @property
    def introspection_enabled(self) -> bool:
        if self.introspection is not None:
            return self.introspection
        return self.environment != "production"

    @property
    def webhook_private_addresses_allowed(self) -> bool:
        if self.webhooks_allow_private is not None:
            return self.webhooks_allow_private
        return self.environment != "production"

    @property
    def graphiql_enabled(self) -> bool:
        if self.graphiql is not None:
            return self.graphiql
        return self.environment != "production"

    @cached_property
    def uses_embedded_postgres(self) -> bool:
        return not self.database_url

    @cached_property
    def uses_embedded_redis(self) -> bool:
        return not self.redis_url
