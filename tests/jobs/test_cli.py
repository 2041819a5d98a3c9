"""`bigledger import <kind>` and `bigledger export <kind>`: the same job and checks as the API."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.services import Endpoints
from server.settings import Settings
from tests.conftest import GraphQLClient, TenantHandle
from tests.jobs.api import company
from tests.tenancy.test_cli import bigledger


async def test_cli_imports_checks_first_and_exports(
    endpoints: Endpoints,
    settings: Settings,
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    company_id = await company(gql, tenant)
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\nP1,Pelangi\nP1,Twice\n")
    refused = await asyncio.to_thread(
        bigledger, endpoints, settings, "import", "customers", str(bad),
        "--tenant", tenant.slug, "--company", company_id,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "failed, 0/2 rows, 1 errors" in refused.stdout, refused
    assert "3,code,DUPLICATE" in refused.stderr

    good = tmp_path / "good.csv"
    good.write_text("code,name,email\nP1,=1+1 Pelangi,\nP2,Suria,ops@suria.example\n")
    done = await asyncio.to_thread(
        bigledger, endpoints, settings, "import", "customers", str(good),
        "--tenant", tenant.slug, "--company", company_id, "--batch-size", "1",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "succeeded, 2/2 rows, 0 errors" in done.stdout
    async with engine.connect() as conn:
        count = (
            await conn.execute(text(f"SELECT count(*) FROM {tenant.schema}.customers"))
        ).scalar_one()
    assert count == 2

    exported = await asyncio.to_thread(
        bigledger, endpoints, settings, "export", "customers",
        "--tenant", tenant.slug, "--company", company_id,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.splitlines()
    assert lines[0].startswith("code,name,taxId")
    assert lines[1].startswith("P1,'=1+1 Pelangi,")
