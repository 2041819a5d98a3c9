"""The daily schedule (what Celery beat's entry runs) and `bigledger connectors run`."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.webhooks.url_policy import ResolvingUrlPolicy
from db.engine import TenantEngines
from db.tenants import TenantDirectory
from server.services import Endpoints
from server.settings import Settings
from tests.conftest import GraphQLClient, LiveServer, TenantHandle
from tests.connectors.api import create, rows
from tests.connectors.bnm_server import BnmServer, record
from tests.jobs.api import company
from tests.tenancy.test_cli import bigledger
from workers.connectors import ConnectorRunner, queue_daily_runs


async def test_the_daily_schedule_queues_one_run_per_connector_and_day(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    live_server: LiveServer,
    bnm: BnmServer,
) -> None:
    company_id = await company(gql, tenant, "Daily Sdn Bhd")
    bnm.answer([record("USD", 4.43, day="2026-12-08")])
    daily = (await create(gql, tenant, company_id, bnm.base_url))["connector"]
    manual = (await create(gql, tenant, company_id, bnm.base_url, name="On demand",
                           schedule="MANUAL"))["connector"]  # fmt: skip
    disabled = (await create(gql, tenant, company_id, bnm.base_url, name="Off",
                             enabled=False))["connector"]  # fmt: skip
    assert daily["schedule"] == "DAILY" and manual and disabled
    runners: dict[uuid.UUID, ConnectorRunner] = {}

    def runner_of(tenant_engine: AsyncEngine, tenant_id: uuid.UUID) -> ConnectorRunner:
        runners[tenant_id] = ConnectorRunner(
            tenant_engine, tenant_id, live_server.services.cipher,
            ResolvingUrlPolicy(allow_private=True),
        )  # fmt: skip
        return runners[tenant_id]

    queued: list[tuple[uuid.UUID, uuid.UUID]] = []
    engines, tenants = TenantEngines(engine), TenantDirectory(engine)
    for _ in range(2):  # beat fires twice the same day: one run
        await queue_daily_runs(engines, tenants, runner_of, lambda t, j: queued.append((t, j)),
                               date(2026, 12, 8))  # fmt: skip
    ours = [job for tenant_id, job in queued if tenant_id == tenant.id]
    assert len(ours) == 1
    [(connector_id, key)] = await rows(
        engine, f"SELECT options->>'connectorId', idempotency_key FROM {tenant.schema}.jobs"
    )
    assert (connector_id, key) == (daily["id"], f"connector:{daily['id']}:2026-12-08")
    job = await runners[tenant.id].run(ours[0])
    assert job is not None and str(job.state) == "succeeded"
    assert await rows(
        engine, f"SELECT from_currency, effective_date::text FROM {tenant.schema}.exchange_rates"
    ) == [("USD", "2026-12-08")]


async def test_cli_runs_a_connector_in_process(
    endpoints: Endpoints,
    settings: Settings,
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    bnm: BnmServer,
) -> None:
    company_id = await company(gql, tenant, "Console Sdn Bhd")
    bnm.answer([record("USD", 4.4, day="2026-12-09"), record("JPY", 2.9, unit=100,
                                                              day="2026-12-09")])  # fmt: skip
    connector = (await create(gql, tenant, company_id, bnm.base_url,
                              credentials={"apiKey": "cli-key"}))["connector"]  # fmt: skip
    done = await asyncio.to_thread(
        bigledger, endpoints, settings, "connectors", "run", tenant.slug, connector["id"]
    )
    assert done.returncode == 0, done.stderr
    assert "succeeded, 2 of 2 rates loaded" in done.stdout
    assert bnm.seen[-1].headers["authorization"] == "Bearer cli-key"  # opened with the key ring
    assert await rows(
        engine, f"SELECT from_currency, rate::text FROM {tenant.schema}.exchange_rates ORDER BY 1"
    ) == [("JPY", "0.0290000000"), ("USD", "4.4000000000")]

    bnm.answer(status=500, raw="oops")
    failed = await asyncio.to_thread(
        bigledger, endpoints, settings, "connectors", "run", tenant.slug, connector["id"]
    )
    assert failed.returncode == 2
    assert "SOURCE_HTTP_ERROR" in failed.stderr and "failed" in failed.stdout
