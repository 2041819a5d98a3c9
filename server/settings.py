"""Settings from the environment (and `.env`). Nothing else reads os.environ."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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
    access_token_ttl_seconds: int = Field(900, alias="BIGLEDGER_ACCESS_TOKEN_TTL")
    refresh_token_ttl_seconds: int = Field(30 * 24 * 3600, alias="BIGLEDGER_REFRESH_TOKEN_TTL")

    # Origins a browser app may call from (HTTP CORS and websocket Origin check).
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:4200", "http://127.0.0.1:4200"],
        alias="BIGLEDGER_ALLOWED_ORIGINS",
    )
    max_body_bytes: int = Field(1_048_576, alias="BIGLEDGER_MAX_BODY_BYTES")
    graphiql: bool = Field(True, alias="BIGLEDGER_GRAPHIQL")

    demo_password: str | None = Field(None, alias="BIGLEDGER_DEMO_PASSWORD")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    db_pool_size: int = Field(10, alias="BIGLEDGER_DB_POOL_SIZE")

    @classmethod
    def _split_origins(cls, value: object) -> object:
        return (
            [o.strip() for o in value.split(",") if o.strip()] if isinstance(value, str) else value
        )

    def model_post_init(self, __context: object) -> None:
        self.allowed_origins = self._split_origins(self.allowed_origins)  # type: ignore[assignment]
        self.data_dir = self.data_dir.resolve()

    @cached_property
    def uses_embedded_postgres(self) -> bool:
        return not self.database_url

    @cached_property
    def uses_embedded_redis(self) -> bool:
        return not self.redis_url
