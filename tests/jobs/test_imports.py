"""Imports end to end: a real multipart upload to the real app, a real Celery worker."""

from __future__ import annotations

import subprocess

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import GraphQLClient, TenantHandle
from tests.jobs.api import company, settled, upload


async def rows(engine: AsyncEngine, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    async with engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(text(sql))]


async def test_customers_import_through_the_api_and_a_worker(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    company_id = await company(gql, tenant)
    content = (
        "\ufeffCode;Name;Tax ID;Credit Limit;payment_terms_days\n"
        "C001;Alpha Trading;IG123;1000.50;45\n"
        "C002;Beta Sdn Bhd;;;\n"
    ).encode()
    started = await upload(gql, tenant.token, kind="CUSTOMERS", company_id=company_id,
                           content=content)  # fmt: skip
    assert started["errors"] == []
    assert started["job"]["state"] == "QUEUED"
    done = await settled(gql, tenant.token, started["job"]["id"])
    assert (done["state"], done["rowsTotal"], done["rowsDone"], done["errorCount"]) == (
        "SUCCEEDED", 2, 2, 0,
    )  # fmt: skip
    stored = await rows(
        engine,
        f"SELECT code, name, credit_limit, payment_terms_days, currency_code "
        f"FROM {tenant.schema}.customers ORDER BY code",
    )
    assert [(c, n, str(limit) if limit is not None else None, d, cur)
            for c, n, limit, d, cur in stored] == [
        ("C001", "Alpha Trading", "1000.5000", 45, "MYR"),
        ("C002", "Beta Sdn Bhd", None, 30, "MYR"),
    ]  # fmt: skip
    # Recorded like createCustomer's: one CustomerCreated per row, in the outbox.
    events = await rows(
        engine,
        f"SELECT count(*) FROM {tenant.schema}.outbox WHERE event_type = 'CustomerCreated'",
    )
    assert events == [(2,)]
