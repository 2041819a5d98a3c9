"""Jobs across tenants, progress streams, the per-tenant concurrency limit, cancellation and
exports (formula injection)."""

from __future__ import annotations

import base64
import csv
import io
import subprocess
import time
import uuid
from typing import Any

import openpyxl
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.imports.runner import job_channel
from domain.identity.builtin_roles import ACCOUNTANT
from tests.conftest import GraphQLClient, LiveServer, TenantHandle, eventually
from tests.e2e.ws_client import TRANSPORT_WS, GraphQLWebSocket
from tests.identity.test_access import invite
from tests.jobs.api import CANCEL, EXPORT, JOB, company, settled, upload
from workers.jobs import TENANT_CONCURRENCY, slots_key

PROGRESS = """
subscription Progress($jobId: ID!) {
  jobProgress(jobId: $jobId) { jobId state rowsDone rowsTotal errorCount }
}"""


async def fill_slots(redis: Redis, tenant: TenantHandle) -> None:
    """Every job slot of the tenant taken (by runs that lapse in a minute)."""
    lapse = time.time() + 60
    await redis.zadd(
        slots_key(str(tenant.id)), {f"other-{i}": lapse for i in range(TENANT_CONCURRENCY)}
    )


async def listening(redis: Redis, tenant: TenantHandle) -> bool:
    async def on() -> bool:
        found = dict(await redis.pubsub_numsub(job_channel(tenant.id)))
        return int(found.get(job_channel(tenant.id).encode(), 0)) >= 1

    return bool(await eventually(on, timeout=5))


def customers_csv(prefix: str, count: int) -> bytes:
    return (
        "code,name\n" + "".join(f"{prefix}{i:04},{prefix} {i}\n" for i in range(count))
    ).encode()


async def test_tenants_see_hear_and_cancel_only_their_own_jobs(
    live_server: LiveServer,
    gql: GraphQLClient,
    redis: Redis,
    engine: AsyncEngine,
    tenant: TenantHandle,
    other_tenant: TenantHandle,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    a_company, b_company = await company(gql, tenant), await company(gql, other_tenant)
    # B's slots are full: B's job waits (retried by the worker) while A's runs; the limit is
    # per tenant, so A is not held up by B.
    await fill_slots(redis, other_tenant)
    b_job = (await upload(gql, other_tenant.token, kind="CUSTOMERS", company_id=b_company,
                          content=customers_csv("B", 3)))["job"]  # fmt: skip
    async with (
        GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, other_tenant.token) as b_ws,
        GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, tenant.token) as a_ws,
    ):
        b_sub = await b_ws.subscribe(PROGRESS, {"jobId": b_job["id"]})
        first = (await b_sub.next(timeout=10))["data"]["jobProgress"]
        assert (first["jobId"], first["state"]) == (b_job["id"], "QUEUED")
        assert await listening(redis, other_tenant)

        a_job = (await upload(gql, tenant.token, kind="CUSTOMERS", company_id=a_company,
                              content=customers_csv("A", 30), batch_size=10))["job"]  # fmt: skip
        a_sub = await a_ws.subscribe(PROGRESS, {"jobId": a_job["id"]})
        heard: list[dict[str, Any]] = []
        while not heard or heard[-1]["state"] != "SUCCEEDED":
            heard.append((await a_sub.next(timeout=20))["data"]["jobProgress"])
        assert {h["jobId"] for h in heard} == {a_job["id"]}
        assert (heard[-1]["rowsDone"], heard[-1]["rowsTotal"]) == (30, 30)
        await b_sub.assert_silent(0.5)  # A's job ran beside it: B heard none of it

        # B can neither read, follow nor cancel A's job (it is not in B's schema at all).
        assert (await gql.data(JOB, {"id": a_job["id"]}, other_tenant.token))["job"] is None
        cancel = (await gql.data(CANCEL, {"id": a_job["id"]}, other_tenant.token))["cancelJob"]
        assert [e["code"] for e in cancel["errors"]] == ["NOT_FOUND"]
        spy = await b_ws.subscribe(PROGRESS, {"jobId": a_job["id"]})
        assert [e["extensions"]["code"] for e in await spy.errors()] == ["NOT_FOUND"]

        # B's slots free: its job runs, and B hears it to the end.
        await redis.delete(slots_key(str(other_tenant.id)))
        last = first
        while last["state"] != "SUCCEEDED":
            last = (await b_sub.next(timeout=20))["data"]["jobProgress"]
        assert (last["jobId"], last["rowsDone"]) == (b_job["id"], 3)
    async with engine.connect() as conn:
        for handle, prefix, count in ((tenant, "A", 30), (other_tenant, "B", 3)):
            codes = (
                await conn.execute(text(f"SELECT code FROM {handle.schema}.customers"))
            ).scalars()
            assert sorted(codes) == [f"{prefix}{i:04}" for i in range(count)]


async def test_a_waiting_job_is_cancelled_at_once_and_writes_nothing(
    gql: GraphQLClient,
    redis: Redis,
    engine: AsyncEngine,
    tenant: TenantHandle,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    company_id = await company(gql, tenant)
    await fill_slots(redis, tenant)
    waiting = (await upload(gql, tenant.token, kind="CUSTOMERS", company_id=company_id,
                            content=customers_csv("W", 5)))["job"]  # fmt: skip
    cancelled = (await gql.data(CANCEL, {"id": waiting["id"]}, tenant.token))["cancelJob"]
    assert cancelled["errors"] == [] and cancelled["job"]["state"] == "CANCELLED"
    again = (await gql.data(CANCEL, {"id": waiting["id"]}, tenant.token))["cancelJob"]
    assert [e["code"] for e in again["errors"]] == ["INVALID_STATE"]
    await redis.delete(slots_key(str(tenant.id)))
    # The worker's run, once it has a slot, finds the job ended and leaves it so.
    later = await upload(gql, tenant.token, kind="CUSTOMERS", company_id=company_id,
                         content=customers_csv("L", 1))  # fmt: skip
    await settled(gql, tenant.token, later["job"]["id"])
    assert (await settled(gql, tenant.token, waiting["id"]))["state"] == "CANCELLED"
    async with engine.connect() as conn:
        codes = (await conn.execute(text(f"SELECT code FROM {tenant.schema}.customers"))).scalars()
        assert list(codes) == ["L0000"]


async def test_exports_neutralise_formulas_and_import_back(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    source, target = await company(gql, tenant, "Source Bhd"), await company(gql, tenant, "Target")
    hostile = [
        ("X1", '=HYPERLINK("http://evil.example","click")'),
        ("X2", "+1+cmd|' /C calc'!A0"),
        ("X3", "-2+3"),
        ("X4", "@SUM(A1:A9)"),
        ("X5", "Plain Trading"),
    ]
    content = io.StringIO()
    csv.writer(content).writerows(
        [("code", "name", "creditLimit"), *[(c, n, "") for c, n in hostile]]
    )
    started = await upload(gql, tenant.token, kind="CUSTOMERS", company_id=source,
                           content=content.getvalue().encode())  # fmt: skip
    assert (await settled(gql, tenant.token, started["job"]["id"]))["state"] == "SUCCEEDED"

    exported = (
        await gql.data(
            EXPORT, {"kind": "CUSTOMERS", "companyId": source, "format": "CSV"}, tenant.token
        )
    )["exportData"]
    assert exported["rows"] == 5
    names = [r[1] for r in list(csv.reader(io.StringIO(exported["text"])))[1:]]
    assert names == ["'" + n for _, n in hostile[:4]] + ["Plain Trading"]

    xlsx = (
        await gql.data(
            EXPORT, {"kind": "CUSTOMERS", "companyId": source, "format": "XLSX"}, tenant.token
        )
    )["exportData"]
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["base64"]))).active
    assert sheet is not None
    cells = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells == names  # text cells, none a formula

    # The export is an import file: the names come back as they were typed.
    back = await upload(gql, tenant.token, kind="CUSTOMERS", company_id=target,
                        content=exported["text"].encode(), file_name="customers.csv")  # fmt: skip
    assert (await settled(gql, tenant.token, back["job"]["id"]))["state"] == "SUCCEEDED"
    async with engine.connect() as conn:
        stored = (
            await conn.execute(
                text(f"SELECT code, name FROM {tenant.schema}.customers "
                     "WHERE company_id = :c ORDER BY code"),
                {"c": uuid.UUID(target)},
            )
        ).all()  # fmt: skip
    assert [tuple(r) for r in stored] == hostile


async def test_an_import_needs_the_api_permission_of_what_its_rows_make(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    company_id = await company(gql, tenant)
    # The accountant may run imports (import:*) but not create customers (no customer:create).
    accountant = await invite(gql, tenant, companies=(company_id,), company_roles=(ACCOUNTANT.id,))
    refused = await upload(gql, accountant.token, kind="CUSTOMERS", company_id=company_id,
                           content=customers_csv("N", 2))  # fmt: skip
    assert refused["job"] is None
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    rates = b"currency,effectiveDate,rate\nUSD,2026-03-01,4.40\n"
    allowed = await upload(gql, accountant.token, kind="EXCHANGE_RATES", company_id=company_id,
                           content=rates)  # fmt: skip
    assert (await settled(gql, accountant.token, allowed["job"]["id"]))["state"] == "SUCCEEDED"
    async with engine.connect() as conn:
        count = (
            await conn.execute(text(f"SELECT count(*) FROM {tenant.schema}.customers"))
        ).scalar_one()
    assert count == 0


async def test_a_running_job_is_cancelled_between_batches_and_keeps_what_it_committed(
    gql: GraphQLClient,
    engine: AsyncEngine,
    tenant: TenantHandle,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    company_id = await company(gql, tenant)
    schema = tenant.schema
    async with engine.begin() as conn:  # each row takes a while: the job is caught mid-way
        await conn.execute(text(f"""
            CREATE FUNCTION {schema}.slow() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_sleep(0.1); RETURN NEW; END $$"""))  # fmt: skip
        await conn.execute(text(
            f"CREATE TRIGGER slow BEFORE INSERT ON {schema}.customers "
            f"FOR EACH ROW EXECUTE FUNCTION {schema}.slow()"
        ))  # fmt: skip
    started = (await upload(gql, tenant.token, kind="CUSTOMERS", company_id=company_id,
                            content=customers_csv("K", 20), batch_size=2))["job"]  # fmt: skip

    async def committing() -> bool:
        found = (await gql.data(JOB, {"id": started["id"]}, tenant.token))["job"]
        return bool(found["batchesCommitted"] >= 1)

    assert await eventually(committing, timeout=20)
    cancelled = (await gql.data(CANCEL, {"id": started["id"]}, tenant.token))["cancelJob"]
    assert cancelled["errors"] == []
    done = await settled(gql, tenant.token, started["id"])
    assert done["state"] == "CANCELLED"
    assert 0 < done["rowsDone"] < 20 and done["rowsDone"] == 2 * done["batchesCommitted"]
    async with engine.connect() as conn:
        count = (await conn.execute(text(f"SELECT count(*) FROM {schema}.customers"))).scalar_one()
    assert count == done["rowsDone"]  # whole batches, nothing after the cancel
