"""The Starlette application."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from resolvers.root import build_schema
from server import heap
from server.graphql_view import BigLedgerGraphQL
from server.logging import configure_logging
from server.middleware import RequestContextMiddleware
from server.services import Endpoints, running_services
from server.settings import Settings
from workers.liveness import WorkerLiveness


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    services = request.app.state.services
    checks: dict[str, str] = {}

    async def database() -> None:
        async with services.engines.root.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def redis() -> None:
        await services.redis.ping()

    async def worker() -> None:
        if not await request.app.state.worker_liveness.live_workers():
            raise LookupError("no worker heartbeat")

    for name, check in (("postgres", database), ("redis", redis), ("worker", worker)):
        try:
            await asyncio.wait_for(check(), timeout=2)
            checks[name] = "ok"
        except Exception as exc:
            reason = str(exc) if isinstance(exc, LookupError) else type(exc).__name__
            checks[name] = f"unavailable: {reason}"
    if not request.app.state.require_worker and checks["worker"] != "ok":
        checks["worker"] = "none (not required)"
    ready = all(v.startswith(("ok", "none")) for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", **checks},
                        status_code=200 if ready else 503)  # fmt: skip


async def jwks(request: Request) -> JSONResponse:
    return JSONResponse(
        request.app.state.services.tokens.jwks(), headers={"Cache-Control": "public, max-age=300"}
    )


def app_from_environment() -> Starlette:
    """The app of one of `serve --workers N`'s processes: settings and the service URLs come
    from the environment the serving process prepared."""
    settings = Settings()
    configure_logging(settings.log_level, service="bigledger-api")
    assert settings.database_url and settings.redis_url and settings.celery_broker_url
    endpoints = Endpoints(
        settings.database_url, settings.redis_url, settings.celery_broker_url,
        settings.celery_queue,
    )  # fmt: skip
    return create_app(settings, endpoints)


def create_app(settings: Settings, endpoints: Endpoints) -> Starlette:
    graphql = BigLedgerGraphQL(
        build_schema(),
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        allowed_origins=settings.allowed_origins,
        keep_alive=True,
        keep_alive_interval=15,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with running_services(settings, endpoints) as services:
            app.state.services = services
            # Read by /readyz (and the place a worker-liveness metric would read).
            app.state.worker_liveness = WorkerLiveness(services.redis, endpoints.celery_queue)
            app.state.require_worker = settings.require_worker
            heap.settle()
            yield

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/.well-known/jwks.json", jwks),
        ],
        middleware=[
            Middleware(
                RequestContextMiddleware,
                max_body_bytes=settings.max_body_bytes,
                max_upload_bytes=settings.max_upload_bytes,
            ),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.allowed_origins,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=[
                    "Authorization",
                    "Content-Type",
                    "X-Request-Id",
                    "Apollo-Require-Preflight",
                ],
                expose_headers=["X-Request-Id", "Retry-After"],
                max_age=600,
            ),
        ],
        lifespan=lifespan,
    )
