"""Bring up what the app needs: servers (embedded or configured), database, migrations, demo."""

from __future__ import annotations

import logging
import secrets
import sys
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from db.embedded import EmbeddedPostgres, EmbeddedRedis
from db.engine import create_engine
from db.tables.shared import tenants, users
from db.tenancy import ensure_database, migrate_all, provision_tenant
from domain.identity.password_policy import password_problem
from server.security.passwords import Argon2PasswordHasher
from server.services import Endpoints
from server.settings import Settings

logger = logging.getLogger("bigledger.bootstrap")

DEMO_SLUG = "demo"
DEMO_ADMIN = "admin@demo.bigledger.local"


@dataclass
class Infrastructure:
    endpoints: Endpoints
    started: list[EmbeddedPostgres | EmbeddedRedis] = field(default_factory=list)

    def stop_started(self) -> None:
        """Stop only the embedded servers this process started (not ones it found running)."""
        for server in reversed(self.started):
            server.stop()


def resolve_endpoints(settings: Settings) -> Infrastructure:
    started: list[EmbeddedPostgres | EmbeddedRedis] = []
    if settings.database_url:
        database_url = settings.database_url
    else:
        postgres = EmbeddedPostgres(settings.data_dir)
        if not postgres.is_running():
            started.append(postgres)
        base = postgres.start()
        database_url = (
            make_url(base)
            .set(database=settings.database_name)
            .render_as_string(hide_password=False)
        )
        logger.info("embedded postgres ready", extra={"dataDir": str(settings.data_dir)})
    if settings.redis_url:
        redis_url = settings.redis_url
    else:
        redis = EmbeddedRedis(settings.data_dir)
        if not redis.is_running():
            started.append(redis)
        redis_url = redis.start()
        logger.info("embedded redis ready", extra={"dataDir": str(settings.data_dir)})
    broker_url = settings.celery_broker_url or _redis_db(redis_url, 1)
    return Infrastructure(
        Endpoints(database_url, redis_url, broker_url, settings.celery_queue), started
    )


def _redis_db(url: str, db: int) -> str:
    base, _, _ = url.rpartition("/") if url.count("/") > 2 else (url, "", "")
    return f"{base}/{db}"


def print_progress(index: int, total: int, schema: str) -> None:
    if total >= 5 or index == total:
        print(f"\r  migrated {index}/{total} tenant schemas ({schema})", end="", file=sys.stderr)
        if index == total:
            print(file=sys.stderr)


async def prepare_database(database_url: str) -> AsyncEngine:
    await ensure_database(database_url)
    engine = create_engine(database_url, pool_size=2)
    count = await migrate_all(engine, print_progress)
    logger.info("database at head", extra={"tenants": count})
    return engine


async def seed_demo(engine: AsyncEngine, password: str | None) -> str | None:
    """Create the demo tenant once. Returns the password if it was generated now."""
    if password:  # an operator's choice meets the same rule as every password (no traceback)
        problem = password_problem(password, (DEMO_ADMIN, DEMO_SLUG))
        if problem is not None:
            raise SystemExit(f"error: BIGLEDGER_DEMO_PASSWORD: {problem}")
    hasher = Argon2PasswordHasher()
    async with engine.connect() as conn:
        exists = (
            await conn.execute(select(tenants.c.id).where(tenants.c.slug == DEMO_SLUG))
        ).scalar_one_or_none()
    if exists is not None:
        if password:  # the configured password wins, so setting it later works too
            async with engine.begin() as conn:
                await conn.execute(
                    update(users)
                    .where(users.c.tenant_id == exists, users.c.email == DEMO_ADMIN)
                    .values(password_hash=hasher.hash(password))
                )
        return None
    generated = None if password else secrets.token_urlsafe(12)
    await provision_tenant(
        engine,
        slug=DEMO_SLUG,
        name="Demo Sdn Bhd",
        admin_email=DEMO_ADMIN,
        admin_password_hash=hasher.hash(password or generated or ""),
        timezone="Asia/Kuala_Lumpur",
        currency_code="MYR",
    )
    return generated


def announce_demo_password(password: str) -> None:
    bar = "=" * 72
    print(
        f"\n{bar}\n  Demo tenant created.  tenant: {DEMO_SLUG}   email: {DEMO_ADMIN}\n"
        f"  password: {password}\n"
        f"  (shown once; set BIGLEDGER_DEMO_PASSWORD to choose it)\n{bar}\n",
        file=sys.stderr,
        flush=True,
    )
