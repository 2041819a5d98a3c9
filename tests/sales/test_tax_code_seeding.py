"""A company's default tax codes are seeded on first use; commands using them for the first
time at the same moment must all go through (a default's id is derived from its company and
code, so concurrent seeds collide on the primary key as well as on (company_id, code))."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import TenantEngines
from db.repositories.tax import SqlTaxCodeRepository
from tests.conftest import GraphQLClient, TenantHandle


async def test_first_uses_at_the_same_moment_all_get_the_codes(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    tenant_engine = TenantEngines(engine).for_schema(tenant.schema)

    async def first_use(
        company: uuid.UUID, opened: asyncio.Queue[None], start: asyncio.Event
    ) -> set[uuid.UUID]:
        async with tenant_engine.begin() as conn:
            opened.put_nowait(None)
            await start.wait()
            codes = await SqlTaxCodeRepository(conn).for_company(company)
        return {c.id for c in codes.values()}

    for round_ in range(12):
        made = await gql.data(
            "mutation($n: String!) { createCompany(input: {name: $n}) { company { id } } }",
            {"n": f"Seeds {round_} Sdn Bhd"},
            tenant.token,
        )
        company = uuid.UUID(made["createCompany"]["company"]["id"])
        opened: asyncio.Queue[None] = asyncio.Queue()
        start = asyncio.Event()
        racing = [asyncio.create_task(first_use(company, opened, start)) for _ in range(6)]
        for _ in racing:  # every transaction open, waiting at the line
            await opened.get()
        start.set()
        seen = await asyncio.gather(*racing)  # no unique violation in any of them
        assert all(ids == seen[0] and ids for ids in seen)
