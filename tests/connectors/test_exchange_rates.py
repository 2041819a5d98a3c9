"""The exchange-rate connector end to end: GraphQL, a real Celery worker, a local server that
speaks Bank Negara Malaysia's rates API, the tenant's own rows looked at behind the API."""

from __future__ import annotations

import csv
import io
import subprocess
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import GraphQLClient, TenantHandle
from tests.connectors.api import DELETE, LIST, RATES, RUN, UPDATE, create, rows, run
from tests.connectors.bnm_server import BnmServer, record
from tests.jobs.api import REPORT, company


async def test_rates_load_through_the_api_and_a_worker_once(
    gql: GraphQLClient,
    tenant: TenantHandle,
    other_tenant: TenantHandle,
    engine: AsyncEngine,
    bnm: BnmServer,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    company_id = await company(gql, tenant, "Rates Sdn Bhd")
    bnm.answer([record("USD", 4.4312), record("JPY", 3.0215, unit=100), record("EUR", 4.9)])
    created = await create(gql, tenant, company_id, bnm.base_url,
                           credentials={"apiKey": "bnm-s3cret-key"})  # fmt: skip
    assert created["errors"] == []
    connector = created["connector"]
    assert (connector["hasCredentials"], connector["settings"]["currencies"]) == (
        True, ["USD", "JPY"],
    )  # fmt: skip
    assert "s3cret" not in repr(created)
    # Behind the API: the credentials are sealed with the key ring.
    [(stored,)] = await rows(engine, f"SELECT credentials FROM {tenant.schema}.connectors")
    assert stored.startswith("enc:v1:") and "s3cret" not in stored

    job = await run(gql, tenant, connector["id"])
    assert (job["state"], job["kind"], job["rowsTotal"], job["rowsDone"]) == (
        "SUCCEEDED", "CONNECTOR_RUN", 2, 2,
    )  # fmt: skip
    request = bnm.seen[-1]
    assert request.path == "/public/exchange-rate?quote=rm"
    assert request.headers["accept"] == "application/vnd.BNM.API.v1+json"
    assert request.headers["authorization"] == "Bearer bnm-s3cret-key"
    rates = (await gql.data(RATES, {"companyId": company_id}, tenant.token))["exchangeRates"]
    # Rates per ONE unit, exact from the JSON text (JPY is quoted per 100); EUR not asked for.
    assert sorted((r["currency"], r["effectiveDate"], r["rate"]) for r in rates) == [
        ("JPY", "2026-12-07", "0.030215"), ("USD", "2026-12-07", "4.4312"),
    ]  # fmt: skip
    [listed] = (await gql.data(LIST, {}, tenant.token))["connectors"]
    assert (listed["lastDate"], listed["lastJobId"]) == ("2026-12-07", job["id"])

    # The same feed again: the run succeeds and changes nothing.
    before = await rows(engine, f"SELECT from_currency, rate, updated_at FROM "
                                f"{tenant.schema}.exchange_rates ORDER BY 1")  # fmt: skip
    again = await run(gql, tenant, connector["id"])
    assert (again["state"], again["rowsDone"]) == ("SUCCEEDED", 2)
    assert await rows(engine, f"SELECT from_currency, rate, updated_at FROM "
                              f"{tenant.schema}.exchange_rates ORDER BY 1") == before  # fmt: skip

    # Another tenant sees nothing of it, cannot run, change or delete it, got none of its rates.
    assert (await gql.data(LIST, {}, other_tenant.token))["connectors"] == []
    token = other_tenant.token
    refused = [
        (await gql.data(RUN, {"id": connector["id"]}, token))["runConnector"]["errors"],
        (await gql.data(UPDATE, {"input": {"id": connector["id"], "enabled": False}}, token))[
            "updateConnector"]["errors"],
        (await gql.data(DELETE, {"id": connector["id"]}, token))["deleteConnector"]["errors"],
    ]  # fmt: skip
    assert [[e["code"] for e in errors] for errors in refused] == [["NOT_FOUND"]] * 3
    assert await rows(engine, f"SELECT count(*) FROM {other_tenant.schema}.exchange_rates") == [
        (0,)
    ]
    assert await rows(engine, f"SELECT count(*) FROM {tenant.schema}.connectors "
                              "WHERE enabled") == [(1,)]  # fmt: skip


async def test_a_source_down_or_a_bad_rate_fails_the_run_and_writes_nothing(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    bnm: BnmServer,
    celery_worker: subprocess.Popen[bytes],
) -> None:
    company_id = await company(gql, tenant, "Down Sdn Bhd")
    created = await create(gql, tenant, company_id, bnm.base_url,
                           settings={"baseUrl": bnm.base_url})  # every currency  # fmt: skip
    connector_id = created["connector"]["id"]

    bnm.answer(status=503, raw='{"message": "maintenance"}')
    down = await run(gql, tenant, connector_id)
    assert down["state"] == "FAILED" and "HTTP 503" in down["failure"]
    report = (await gql.data(REPORT, {"id": down["id"]}, tenant.token))["jobErrorReport"]
    assert [line[2] for line in csv.reader(io.StringIO(report))][1:] == ["SOURCE_HTTP_ERROR"]

    # One good rate among bad ones: the run fails whole, the good one is not written either.
    bnm.answer(raw='{"data": ['
               '{"currency_code": "GBP", "unit": 1, "rate": {"date": "2026-12-07", '
               '"middle_rate": 5.61}},'
               '{"currency_code": "USD", "unit": 1, "rate": {"date": "2026-12-07", '
               '"middle_rate": "4.43abc"}},'
               '{"currency_code": "EUR", "unit": 1, "rate": {"date": "2026-12-07", '
               '"middle_rate": -1}},'
               '{"currency_code": "SGD", "unit": 1, "rate": {"date": "2026-12-07", '
               '"middle_rate": 3.12345678901}},'
               '{"currency_code": "XYZ", "unit": 1, "rate": {"date": "2026-12-07", '
               '"middle_rate": 1.5}}], "meta": {}}')  # fmt: skip
    bad = await run(gql, tenant, connector_id)
    assert (bad["state"], bad["rowsTotal"], bad["errorCount"]) == ("FAILED", 5, 4)
    report = (await gql.data(REPORT, {"id": bad["id"]}, tenant.token))["jobErrorReport"]
    assert [(r, c, code) for r, c, code, _ in list(csv.reader(io.StringIO(report)))[1:]] == [
        ("2", "rate", "NOT_A_NUMBER"),
        ("3", "rate", "INVALID_RATE"),
        ("4", "rate", "INVALID_RATE"),
        ("5", "currency_code", "UNKNOWN_CURRENCY"),
    ]
    assert await rows(engine, f"SELECT count(*) FROM {tenant.schema}.exchange_rates") == [(0,)]
    [listed] = (await gql.data(LIST, {}, tenant.token))["connectors"]
    assert listed["lastDate"] is None  # the cursor moves only with a committed run


async def test_bad_settings_are_refused_with_typed_errors(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    company_id = await company(gql, tenant, "Settings Sdn Bhd")
    plain_http = await create(
        gql, tenant, company_id, "http://example.com/public",
        settings={"baseUrl": "http://example.com/public", "currencies": ["usd", "XYZ"]},
    )  # fmt: skip
    assert [(e["code"], e["field"]) for e in plain_http["errors"]] == [
        ("INVALID", "settings.baseUrl"),
        ("INVALID", "settings.currencies.1"),
    ]
    assert "https" in plain_http["errors"][0]["message"]
    usd = (
        await gql.data(
            """mutation($input: CreateCompanyInput!) {
                 createCompany(input: $input) { company { id } } }""",
            {"input": {"name": "Dollar Inc", "currencyCode": "USD"}},
            tenant.token,
        )
    )["createCompany"]["company"]["id"]
    # The default source (BNM's own URL: not called, not even resolved here) quotes ringgit.
    not_ringgit = await create(gql, tenant, usd, "", settings={"currencies": ["EUR"]})
    assert [(e["code"], e["field"]) for e in not_ringgit["errors"]] == [("INVALID", "companyId")]
    assert await rows(engine, f"SELECT count(*) FROM {tenant.schema}.connectors") == [(0,)]

    # Changing one: a bad currency is refused and changes nothing; credentials can be forgotten;
    # a disabled connector does not run.
    made = await create(gql, tenant, company_id, "http://127.0.0.1:9/public",
                        credentials={"apiKey": "k"})  # fmt: skip
    connector_id = made["connector"]["id"]

    async def update(**changes: object) -> dict[str, Any]:
        variables = {"input": {"id": connector_id} | changes}
        return dict((await gql.data(UPDATE, variables, tenant.token))["updateConnector"])

    refused = await update(name="Renamed", settings={"currencies": ["GBP", "MYR"]})
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("INVALID", "settings.currencies.1")  # the base currency
    ]
    changed = await update(settings={"rateType": "SELLING"}, credentials={}, enabled=False)
    assert changed["connector"] == {
        "id": connector_id, "name": "Exchange rates", "enabled": False, "hasCredentials": False,
        "settings": {"currencies": ["USD", "JPY"], "rateType": "SELLING"},
    }  # fmt: skip
    assert await rows(engine, f"SELECT credentials FROM {tenant.schema}.connectors") == [(None,)]
    stopped = (await gql.data(RUN, {"id": connector_id}, tenant.token))["runConnector"]
    assert [e["code"] for e in stopped["errors"]] == ["INVALID_STATE"]
