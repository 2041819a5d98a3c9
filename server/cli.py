"""The `bigledger` command."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from db.tenancy import ProvisionedTenant
from server.logging import configure_logging
from server.settings import Settings

T = TypeVar("T")


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app
    from server.bootstrap import (
        announce_demo_password,
        prepare_database,
        resolve_endpoints,
        seed_demo,
    )
    from workers.supervisor import WorkerSupervisor

    infra = resolve_endpoints(settings)
    worker: WorkerSupervisor | None = None
    beat: WorkerSupervisor | None = None
    try:

        async def prepare() -> str | None:
            engine = await prepare_database(infra.endpoints.database_url)
            try:
                return await seed_demo(engine, settings.demo_password)
            finally:
                await engine.dispose()

        generated = asyncio.run(prepare())
        if generated:
            announce_demo_password(generated)
        if args.with_worker:
            env = os.environ | {
                "DATABASE_URL": infra.endpoints.database_url,
                "REDIS_URL": infra.endpoints.redis_url,
                "CELERY_BROKER_URL": infra.endpoints.broker_url,
            }
            # Supervised: restarted with back-off if it exits; /readyz needs its heartbeat.
            worker = WorkerSupervisor(
                [sys.executable, "-m", "server.cli", "worker"],
                env,
                min_backoff=settings.worker_restart_backoff,
            )
            worker.start()
            # The schedule (daily connectors), in a process of its own, supervised too.
            beat = WorkerSupervisor(
                [sys.executable, "-m", "server.cli", "beat"],
                env,
                min_backoff=settings.worker_restart_backoff,
            )
            beat.start()
            settings = settings.model_copy(update={"require_worker": True})
            os.environ["BIGLEDGER_REQUIRE_WORKER"] = "true"  # for --workers N's processes
        host, port = args.host or settings.host, args.port or settings.port
        print(f"BigLedger API: http://{host}:{port}/graphql", file=sys.stderr, flush=True)
        # uvicorn re-raises SIGTERM after its graceful shutdown; turn that into SystemExit so
        # the `finally` below still stops the worker and the embedded servers.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        options: dict[str, Any] = {
            "host": host,
            "port": port,
            "log_config": None,
            "access_log": False,
            "proxy_headers": False,
            "timeout_graceful_shutdown": 5,
            # The websocket layer refuses (1009) frames over the body limit before reading them
            # into memory; the middleware enforces the same limit where another server runs us.
            "ws_max_size": settings.max_body_bytes,
        }
        if args.workers > 1:
            # Each worker process builds its own app (services, outbox relay, event hub) from
            # the environment: the servers resolved here, the same data dir and settings.
            os.environ.update(
                DATABASE_URL=infra.endpoints.database_url,
                REDIS_URL=infra.endpoints.redis_url,
                CELERY_BROKER_URL=infra.endpoints.broker_url,
                BIGLEDGER_DATA_DIR=str(settings.data_dir),
            )
            uvicorn.run(
                "server.app:app_from_environment", factory=True, workers=args.workers, **options
            )
        else:
            uvicorn.run(create_app(settings, infra.endpoints), **options)
        return 0
    finally:
        # Stop the worker (warm shutdown, killed after 15 s), then the servers we started.
        if beat is not None:
            beat.stop(timeout=15)
        if worker is not None:
            worker.stop(timeout=15)
        infra.stop_started()


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from server.bootstrap import resolve_endpoints
    from server.services import field_cipher
    from workers.celery_app import configure, webhook_queue
    from workers.liveness import beat_while_running

    infra = resolve_endpoints(settings)
    endpoints = infra.endpoints
    beat_while_running(redis_url=endpoints.redis_url, queue=endpoints.celery_queue)
    app = configure(
        broker_url=endpoints.broker_url,
        database_url=endpoints.database_url,
        queue=endpoints.celery_queue,
    )
    # What the webhook sender needs (workers/webhook_tasks.py), read once the task runs.
    app.conf.bigledger_redis_url = endpoints.redis_url
    app.conf.bigledger_webhook_timeout = settings.webhook_timeout
    app.conf.bigledger_webhooks_allow_private = settings.webhook_private_addresses_allowed
    app.conf.bigledger_cipher = lambda: field_cipher(settings)
    app.conf.bigledger_connector_timeout = settings.connector_timeout
    queues = {"events": endpoints.celery_queue, "webhooks": webhook_queue(endpoints.celery_queue)}
    argv = ["worker", "--loglevel", settings.log_level, "--concurrency", str(args.concurrency)]
    argv += ["--pool", args.pool, "--without-gossip", "--without-mingle"]
    argv += ["-Q", ",".join(queues[name] for name in args.queues.split(","))]
    if args.hostname:
        argv += ["--hostname", args.hostname]
    app.worker_main(argv)
    return 0


def _beat(settings: Settings, args: argparse.Namespace) -> int:
    """Celery beat: sends the schedule's tasks (the daily connector runs, workers/connectors.py)
    to the queue. One per site. A process of its own, not a worker's embedded `-B`: a worker
    killed with SIGKILL leaves that embedded beat running, orphaned."""
    from server.bootstrap import resolve_endpoints
    from workers.celery_app import configure
    from workers.connectors import daily_schedule

    endpoints = resolve_endpoints(settings).endpoints
    app = configure(
        broker_url=endpoints.broker_url,
        database_url=endpoints.database_url,
        queue=endpoints.celery_queue,
    )
    app.conf.beat_schedule = daily_schedule(settings.connectors_daily_hour)
    schedule = str(settings.data_dir / "celerybeat-schedule")
    app.start(["beat", "--loglevel", settings.log_level, "--schedule", schedule])
    return 0


def _connectors_run(settings: Settings, args: argparse.Namespace) -> int:
    """One connector run now, in this process (the job the worker would run); exit 2 unless it
    succeeded, with its error report."""
    from adapters.webhooks.url_policy import ResolvingUrlPolicy
    from db.engine import TenantEngines
    from db.imports.operator import target
    from db.repositories.jobs import SqlJobRepository
    from domain.shared.errors import DomainError
    from server.services import field_cipher
    from workers.connectors import ConnectorRunner

    async def run(engine: AsyncEngine) -> tuple[Any, list[Any]]:
        where = await target(engine, args.tenant, args.user)
        tenant_engine = TenantEngines(engine).for_schema(where.schema)
        runner = ConnectorRunner(
            tenant_engine,
            where.tenant_id,
            field_cipher(settings),
            ResolvingUrlPolicy(allow_private=settings.webhook_private_addresses_allowed),
            timeout=settings.connector_timeout,
            source="bigledger-cli",
        )
        started = await runner.start(uuid.UUID(args.connector), where.user_id)
        job = await runner.run(started.job.id)
        async with tenant_engine.connect() as conn:
            errors = await SqlJobRepository(conn).errors(started.job.id)
        return job, errors

    try:
        uuid.UUID(args.connector)
        job, errors = asyncio.run(_with_engine(settings, run))
    except DomainError as exc:
        for error in exc.errors:
            print(f"error: {error.message}", file=sys.stderr)
        return 2
    except (LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"job {job.id}: {job.state}, {job.rows_done} of {job.rows_total} rates loaded")
    for e in errors:
        print(f"  record {e.row} {e.column or ''} {e.code}: {e.message}", file=sys.stderr)
    return 0 if str(job.state) == "succeeded" else 2


async def _with_engine(settings: Settings, job: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    from server.bootstrap import prepare_database, resolve_endpoints

    infra = resolve_endpoints(settings)
    engine = await prepare_database(infra.endpoints.database_url)
    try:
        return await job(engine)
    finally:
        await engine.dispose()


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    async def noop(engine: AsyncEngine) -> None:
        return None

    asyncio.run(_with_engine(settings, noop))  # prepare_database migrates, with progress
    print("shared schema and every tenant schema are at head", file=sys.stderr)
    return 0


def _refuse_weak_password(flag: str, password: str, *personal: str | None) -> bool:
    """The API's password rule, for the operator's commands: True (and says why) if refused."""
    from domain.identity.password_policy import password_problem

    problem = password_problem(password, personal)
    if problem is not None:
        print(f"error: {flag}: {problem}", file=sys.stderr)
    return problem is not None


def _tenant_create(settings: Settings, args: argparse.Namespace) -> int:
    from db.tenancy import provision_tenant
    from domain.shared.errors import DomainError
    from server.security.passwords import Argon2PasswordHasher
    from server.services import field_cipher

    personal = (args.admin_email, args.slug, args.name)
    if _refuse_weak_password("--admin-password", args.admin_password, *personal):
        return 2

    async def create(engine: AsyncEngine) -> ProvisionedTenant:
        return await provision_tenant(
            engine,
            slug=args.slug,
            name=args.name,
            admin_email=args.admin_email,
            admin_password_hash=Argon2PasswordHasher().hash(args.admin_password),
            plan=args.plan,
            timezone=args.timezone,
            currency_code=args.currency,
            cipher=field_cipher(settings),
        )

    try:
        tenant = asyncio.run(_with_engine(settings, create))
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"tenant {tenant.slug} created (id {tenant.tenant_id}, schema {tenant.schema})")
    return 0


def _override_pairs(pairs: Sequence[str], kind: str) -> dict[str, str]:
    parsed = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(f"--{kind} takes NAME=VALUE, not {pair!r}")
        parsed[name.strip()] = value.strip().lower()
    return parsed


def _tenant_set_plan(settings: Settings, args: argparse.Namespace) -> int:
    """Change a tenant's plan and/or its overrides; running APIs see it on the next request."""
    from redis.asyncio import Redis

    from db.tenant_plans import set_plan
    from domain.identity.plans import TenantContext
    from domain.shared.errors import DomainError
    from server.bootstrap import resolve_endpoints

    switches = {"on": True, "true": True, "off": False, "false": False, "default": None}
    try:
        features = {
            name: switches[value]
            for name, value in _override_pairs(args.feature, "feature").items()
        }
        limits = {
            name: None if value == "default" else int(value)
            for name, value in _override_pairs(args.limit, "limit").items()
        }
    except (KeyError, ValueError) as exc:
        print(f"error: {exc} (features: on/off/default; limits: a number or default)",
              file=sys.stderr)  # fmt: skip
        return 2

    async def change(engine: AsyncEngine) -> TenantContext:
        redis = Redis.from_url(resolve_endpoints(settings).endpoints.redis_url)
        try:
            return await set_plan(
                engine, redis, slug=args.slug, plan=args.plan, features=features, limits=limits,
                reset_overrides=args.reset_overrides,
            )  # fmt: skip
        finally:
            await redis.aclose()

    try:
        tenant = asyncio.run(_with_engine(settings, change))
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    limits_now = ", ".join(f"{k}={v}" for k, v in tenant.to_json()["limits"].items())
    print(f"tenant {tenant.slug}: plan {tenant.subscription_plan}; "
          f"features {', '.join(sorted(tenant.features)) or '-'}; limits {limits_now}")  # fmt: skip
    return 0


def _user_create(settings: Settings, args: argparse.Namespace) -> int:
    from db.tenancy import create_user
    from domain.shared.errors import DomainError
    from server.security.passwords import Argon2PasswordHasher

    if _refuse_weak_password("--password", args.password, args.email, args.tenant, args.name):
        return 2

    async def create(engine: AsyncEngine) -> uuid.UUID:
        from server.services import field_cipher

        return await create_user(
            engine,
            tenant_slug=args.tenant,
            email=args.email,
            password_hash=Argon2PasswordHasher().hash(args.password),
            full_name=args.name,
            cipher=field_cipher(settings),
            role=args.role,
        )

    try:
        user_id = asyncio.run(_with_engine(settings, create))
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"user {args.email} created in {args.tenant} (id {user_id})")
    return 0


def _seed_demo(settings: Settings, args: argparse.Namespace) -> int:
    from server.bootstrap import announce_demo_password, seed_demo

    async def seed(engine: AsyncEngine) -> str | None:
        return await seed_demo(engine, settings.demo_password)

    generated = asyncio.run(_with_engine(settings, seed))
    if generated:
        announce_demo_password(generated)
    else:
        print("demo tenant is present", file=sys.stderr)
    return 0


def _keys(settings: Settings, args: argparse.Namespace) -> int:
    """Encryption keys: `rotate` (new active key, then re-encrypt), `reencrypt`, `status`."""
    from db.crypto import FieldCipher, KeyRing
    from db.key_rotation import encryption_status, reencrypt_all, rotate_and_reencrypt

    path = settings.data_dir / "encryption-keys.json"
    configured = settings.encryption_keys.get_secret_value() if settings.encryption_keys else None
    if args.action == "rotate" and configured:
        ring = KeyRing.from_json(configured).with_new_active_key()
        print(ring.to_json())
        print(
            f"Keys come from BIGLEDGER_ENCRYPTION_KEYS: set it to the ring above (new active key "
            f"{ring.active!r}; the old keys stay) on every API and worker process, then run "
            "`bigledger keys reencrypt`.",
            file=sys.stderr,
        )
        return 0

    def progress(what: str, done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\r  re-encrypting {what}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    async def run(engine: AsyncEngine) -> int:
        if args.action == "status":
            for column, by_key in (await encryption_status(engine)).items():
                counts = ", ".join(f"{k}: {n}" for k, n in sorted(by_key.items())) or "no values"
                print(f"{column}: {counts}")
            return 0
        if args.action == "rotate":
            report = await rotate_and_reencrypt(
                engine, path, batch_size=args.batch_size, progress=progress
            )
        else:
            cipher = FieldCipher.load(configured, path)
            report = await reencrypt_all(
                engine, cipher, batch_size=args.batch_size, progress=progress
            )
        print(
            f"active key {report.active!r}: {report.rewritten} values re-encrypted",
            file=sys.stderr,
        )
        for failure in report.failures:
            print(f"  could not re-encrypt: {failure}", file=sys.stderr)
        return 1 if report.failures else 0

    return asyncio.run(_with_engine(settings, run))


def _import_journal(settings: Settings, args: argparse.Namespace) -> int:
    """Journal entries from CSV (db/journal_import.py): exit 2 on a rejected batch."""
    from pathlib import Path

    from db.journal_import import ImportRejected, ImportReport, import_journal
    from server.services import field_cipher

    def progress(report: ImportReport) -> None:
        rate = report.lines / report.seconds if report.seconds else 0.0
        print(f"  rows read {report.lines:,}, entries posted {report.entries:,}, "
              f"{rate:,.0f} lines/s", file=sys.stderr, flush=True)  # fmt: skip

    async def run(engine: AsyncEngine) -> ImportReport:
        # Each committed batch records JournalImported: the relay bumps the company's report
        # cache before publishing it (an ON_PUBLISH effect, domain/effects.py).
        return await import_journal(
            engine,
            Path(args.file),
            tenant_slug=args.tenant,
            company_id=uuid.UUID(args.company),
            chain_key=field_cipher(settings).audit_chain_key,  # seals its audit rows
            batch_size=args.batch_size,
            start_line=args.start_line,
            user_email=args.user,
            progress=progress,
        )

    try:
        if not Path(args.file).is_file():
            raise LookupError(f"no file {args.file}")
        uuid.UUID(args.company)
        report = asyncio.run(_with_engine(settings, run))
    except ImportRejected as exc:
        print(f"error: the batch starting at line {exc.first_line} was rejected; nothing of it "
              "was written:", file=sys.stderr)  # fmt: skip
        for problem in exc.problems:
            print(f"  line {problem.line}: {problem.reason}", file=sys.stderr)
        if exc.committed_through:
            print(f"lines up to {exc.committed_through} were imported by earlier batches; after "
                  f"fixing, resume with --start-line {exc.committed_through + 1}",
                  file=sys.stderr)  # fmt: skip
        return 2
    except (LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rate = report.lines / report.seconds if report.seconds else 0.0
    print(f"imported {report.lines} lines, {report.entries} entries in {report.seconds:.1f}s "
          f"({rate:,.0f} lines/s)")  # fmt: skip
    return 0


def _import_rows(settings: Settings, args: argparse.Namespace) -> int:
    """Customers, suppliers, products, accounts from CSV/XLSX as a job (db/imports/operator.py):
    exit 2 when the file or a row is refused (the error report is printed or written)."""
    from pathlib import Path

    from redis.asyncio import Redis
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from db.imports.operator import import_file
    from domain.jobs.model import JobKind
    from domain.shared.errors import DomainError
    from server.bootstrap import resolve_endpoints
    from server.services import field_cipher

    path = Path(args.file)
    if not path.is_file():
        print(f"error: no file {args.file}", file=sys.stderr)
        return 2
    content = path.read_bytes()
    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        disable=not sys.stderr.isatty(), transient=True,
    )  # fmt: skip
    task = bar.add_task("queued", total=None)

    def progress(message: dict[str, Any]) -> None:
        total = message["rowsTotal"] or None
        bar.update(task, description=message["state"], completed=message["rowsDone"], total=total)

    async def run(engine: AsyncEngine) -> Any:
        # Progress also reaches jobProgress subscribers, as a worker's would.
        redis = Redis.from_url(resolve_endpoints(settings).endpoints.redis_url)
        try:
            return await import_file(
                engine, field_cipher(settings), slug=args.tenant,
                company_id=uuid.UUID(args.company), kind=JobKind(args.what),
                file_name=path.name, content=content, dry_run=args.dry_run,
                batch_size=args.batch_size, user_email=args.user, redis=redis,
                on_progress=progress,
            )  # fmt: skip
        finally:
            await redis.aclose()

    try:
        with bar:
            job, report = asyncio.run(_with_engine(settings, run))
    except DomainError as exc:
        for error in exc.errors:
            print(f"error: {error.message}", file=sys.stderr)
        return 2
    except (LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"job {job.id}: {job.state}, {job.rows_done}/{job.rows_total} rows, "
          f"{job.error_count} errors")  # fmt: skip
    if job.error_count:
        if args.errors_to:
            Path(args.errors_to).write_text(report)
            print(f"error report: {args.errors_to}", file=sys.stderr)
        else:
            sys.stderr.write(report)
    return 0 if job.error_count == 0 and str(job.state) in ("succeeded", "validated") else 2


def _export_rows(settings: Settings, args: argparse.Namespace) -> int:
    """A company's rows of one kind as CSV/XLSX (formula cells neutralised), to a file or stdout."""
    from pathlib import Path

    from db.imports.operator import export_to
    from domain.imports.export import ExportFormat
    from domain.jobs.model import JobKind
    from server.services import field_cipher

    format = ExportFormat(args.format)

    async def run(engine: AsyncEngine) -> tuple[bytes, int]:
        return await export_to(
            engine, field_cipher(settings), slug=args.tenant, company_id=uuid.UUID(args.company),
            kind=JobKind(args.what), format=format,
        )  # fmt: skip

    try:
        content, rows = asyncio.run(_with_engine(settings, run))
    except (LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.output:
        Path(args.output).write_bytes(content)
        print(f"{rows} rows written to {args.output}", file=sys.stderr)
    elif format is ExportFormat.XLSX:
        print("error: an XLSX export needs --output", file=sys.stderr)
        return 2
    else:
        sys.stdout.write(content.decode())
    return 0


def _events_check(settings: Settings, args: argparse.Namespace) -> int:
    """Events some handler registered for their type never recorded: exit 1 if there are any."""
    import json

    from db.engine import TenantEngines
    from db.outbox import NotHandled, events_not_handled
    from db.tenants import TenantDirectory
    from workers.handlers import SUBSCRIBERS

    async def run(engine: AsyncEngine) -> list[tuple[str, NotHandled]]:
        tenants = await TenantDirectory(engine).all_active()
        if args.tenant:
            tenants = [t for t in tenants if t.slug == args.tenant]
            if not tenants:
                raise LookupError(f"no active tenant {args.tenant!r}")
        engines = TenantEngines(engine)
        found: list[tuple[str, NotHandled]] = []
        for done, tenant in enumerate(tenants, 1):
            async with engines.for_schema(tenant.schema_name).connect() as conn:
                events = await events_not_handled(
                    conn, tenant.schema_name, SUBSCRIBERS, older_than=args.older_than
                )
            found += [(tenant.slug, event) for event in events]
            if len(tenants) > 1:
                print(f"\r  checked {done}/{len(tenants)} tenants, {len(found)} events not "
                      "handled", end="\n" if done == len(tenants) else "", file=sys.stderr,
                      flush=True)  # fmt: skip
        return found

    try:
        found = asyncio.run(_with_engine(settings, run))
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        rows = [
            {"tenant": slug, "eventId": e.event_id, "eventType": e.event_type,
             "createdAt": e.created_at.isoformat(),
             "dispatchedAt": e.dispatched_at.isoformat() if e.dispatched_at else None,
             "redispatches": e.redispatches, "missingHandlers": list(e.missing)}
            for slug, e in found
        ]  # fmt: skip
        print(json.dumps(rows, indent=2))
    elif found:
        print(f"{'tenant':<24} {'event id':<36} {'type':<20} {'created (UTC)':<19} "
              "re-sent  missing handlers")  # fmt: skip
        for slug, e in found:
            created = f"{e.created_at:%Y-%m-%d %H:%M:%S}"
            print(f"{slug:<24} {e.event_id:<36} {e.event_type:<20} {created} "
                  f"{e.redispatches:>7}  {', '.join(e.missing)}")  # fmt: skip
    print(f"{len(found)} events not processed by every handler", file=sys.stderr)
    return 1 if found else 0


def _export_schema(settings: Settings, args: argparse.Namespace) -> int:
    from resolvers.export import subgraph_sdl

    sys.stdout.write(subgraph_sdl())
    return 0


def _services(settings: Settings, args: argparse.Namespace) -> int:
    from db.embedded import EmbeddedPostgres, EmbeddedRedis

    servers = (EmbeddedPostgres(settings.data_dir), EmbeddedRedis(settings.data_dir))
    for server in servers:
        if args.action == "start":
            print(f"{type(server).__name__}: {server.start()}")
        elif args.action == "stop":
            server.stop()
        else:
            print(f"{type(server).__name__}: {'running' if server.is_running() else 'stopped'}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bigledger", description="BigLedger ERP GraphQL API")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, seed the demo tenant and serve the API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--with-worker", action="store_true", help="also run a Celery worker")
    serve.add_argument(
        "--workers", type=int, default=1, help="API processes sharing the port (one per core)"
    )
    serve.set_defaults(run=_serve)

    worker = sub.add_parser("worker", help="run a Celery worker for event handlers")
    worker.add_argument("--concurrency", type=int, default=2)
    worker.add_argument("--pool", default="prefork", choices=["prefork", "solo", "threads"])
    worker.add_argument("--hostname")
    worker.add_argument(
        "--queues",
        default="events,webhooks",
        choices=["events,webhooks", "events", "webhooks", "webhooks,events"],
        help="what to consume: event handlers, webhook deliveries, or both (the default);"
        " a busy site runs webhook deliveries on workers of their own",
    )
    worker.set_defaults(run=_worker)
    sub.add_parser(
        "beat", help="run Celery beat: the schedule's tasks (daily connectors); one per site"
    ).set_defaults(run=_beat)

    sub.add_parser("migrate", help="bring shared and every tenant schema to head").set_defaults(
        run=_migrate
    )

    tenant = sub.add_parser("tenant", help="manage tenants").add_subparsers(
        dest="action", required=True
    )
    create = tenant.add_parser("create", help="provision a tenant with its admin")
    create.add_argument("--slug", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--admin-email", required=True)
    create.add_argument("--admin-password", required=True)
    create.add_argument("--plan", default="professional")
    create.add_argument("--timezone", default="UTC")
    create.add_argument("--currency", default="USD")
    create.set_defaults(run=_tenant_create)
    set_plan = tenant.add_parser("set-plan", help="change a tenant's plan, features and limits")
    set_plan.add_argument("--slug", required=True)
    set_plan.add_argument("--plan", help="free, professional or enterprise (default: unchanged)")
    set_plan.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=N|default",
        help="override a limit, e.g. maxCompanies=10 (repeatable)",
    )
    set_plan.add_argument(
        "--feature",
        action="append",
        default=[],
        metavar="NAME=on|off|default",
        help="override a feature, e.g. api_keys=off (repeatable)",
    )
    set_plan.add_argument(
        "--reset-overrides",
        action="store_true",
        help="drop the tenant's overrides before applying these",
    )
    set_plan.set_defaults(run=_tenant_set_plan)

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    ucreate = user.add_parser("create", help="add a user to a tenant")
    ucreate.add_argument("--tenant", required=True)
    ucreate.add_argument("--email", required=True)
    ucreate.add_argument("--password", required=True)
    ucreate.add_argument("--name")
    ucreate.add_argument(
        "--role", default="viewer", help="tenant-wide role: owner, admin, accountant, ..., viewer"
    )
    ucreate.set_defaults(run=_user_create)

    sub.add_parser("seed-demo", help="create the demo tenant if missing").set_defaults(
        run=_seed_demo
    )
    keys = sub.add_parser("keys", help="encryption keys of encrypted columns")
    keys.add_argument("action", choices=["rotate", "reencrypt", "status"])
    keys.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
    keys.set_defaults(run=_keys)
    sub.add_parser("export-schema", help="print the federation subgraph SDL").set_defaults(
        run=_export_schema
    )
    imports = sub.add_parser("import", help="bulk-load data").add_subparsers(
        dest="what", required=True
    )
    from db.journal_import import HELP as JOURNAL_CSV_HELP

    journal = imports.add_parser(
        "journal",
        help="post journal entries from a CSV file (COPY, set-based)",
        description=JOURNAL_CSV_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    journal.add_argument("file", help="the CSV file")
    journal.add_argument("--tenant", required=True, help="tenant slug")
    journal.add_argument("--company", required=True, help="company id")
    journal.add_argument(
        "--batch-size", type=int, default=10_000, help="lines per transaction (whole entries)"
    )
    journal.add_argument(
        "--start-line", type=int, default=2, help="resume: skip file lines before this one"
    )
    journal.add_argument("--user", help="email of the posting user (default: the tenant's first)")
    journal.set_defaults(run=_import_journal)
    from domain.imports.registry import SCHEMAS

    for kind, row_schema in SCHEMAS.items():
        rows = imports.add_parser(
            str(kind), help=f"import {kind} from CSV or XLSX as a job", description=(
                f"Columns: {row_schema.help}. Every row is checked first (nothing written if "
                "one is refused), then committed in batches."
            ),
        )  # fmt: skip
        rows.add_argument("file", help="the CSV or XLSX file")
        rows.add_argument("--tenant", required=True, help="tenant slug")
        rows.add_argument("--company", required=True, help="company id")
        rows.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        rows.add_argument("--batch-size", type=int, help="rows per transaction (default 500)")
        rows.add_argument("--user", help="email of the importing user (default: the first)")
        rows.add_argument("--errors-to", help="write the error report (CSV) to this file")
        rows.set_defaults(run=_import_rows)
    exports = sub.add_parser("export", help="export data as CSV or XLSX").add_subparsers(
        dest="what", required=True
    )
    for kind in SCHEMAS:
        out = exports.add_parser(str(kind), help=f"export a company's {kind}")
        out.add_argument("--tenant", required=True, help="tenant slug")
        out.add_argument("--company", required=True, help="company id")
        out.add_argument("--format", choices=("csv", "xlsx"), default="csv")
        out.add_argument("--output", help="file to write (default: stdout, CSV only)")
        out.set_defaults(run=_export_rows)
    events = sub.add_parser("events", help="the event outbox").add_subparsers(
        dest="action", required=True
    )
    check = events.add_parser(
        "check", help="list events not processed by every handler (exit 1 if any)"
    )
    check.add_argument("--tenant", help="tenant slug (default: every active tenant)")
    check.add_argument(
        "--older-than", type=float, default=60.0, metavar="SECONDS",
        help="only events committed this long ago (younger ones may still be in flight)",
    )  # fmt: skip
    check.add_argument("--format", choices=["table", "json"], default="table")
    check.set_defaults(run=_events_check)
    connectors = sub.add_parser("connectors", help="connectors").add_subparsers(
        dest="action", required=True
    )
    crun = connectors.add_parser("run", help="run a connector now, as a job, in this process")
    crun.add_argument("tenant", help="tenant slug")
    crun.add_argument("connector", help="connector id")
    crun.add_argument("--user", help="email of the user it runs as (default: the tenant's first)")
    crun.set_defaults(run=_connectors_run)
    services = sub.add_parser("services", help="the embedded PostgreSQL and Redis")
    services.add_argument("action", choices=["start", "stop", "status"])
    services.set_defaults(run=_services)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level, service=f"bigledger-{args.command}")
    return int(args.run(settings, args) or 0)


if __name__ == "__main__":
    sys.exit(main())
