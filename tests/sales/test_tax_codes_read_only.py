"""The taxCodes query never writes: a company whose default SST codes no command has stored yet
is shown the set the first command that uses its codes stores, with the same ids."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import GraphQLClient, TenantHandle
from tests.sales.api import Sales

TAX_CODES = "query($c: ID!) { taxCodes(companyId: $c) { id code } }"


async def _stored(engine: AsyncEngine, schema: str, company: str) -> dict[str, str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(f'SELECT code, id FROM "{schema}".tax_codes WHERE company_id = :c'), {"c": company}
        )
        return {r.code: str(r.id) for r in rows}


async def test_tax_codes_are_shown_before_a_command_stores_them_with_the_same_ids(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    sales = await Sales.open(gql, tenant)
    shown = (await gql.data(TAX_CODES, {"c": sales.company_id}, tenant.token))["taxCodes"]
    assert [c["code"] for c in shown] == ["EX", "SST10", "SST5", "SVC6", "SVC8"]
    assert await _stored(engine, tenant.schema, sales.company_id) == {}  # the query wrote nothing

    customer = (await sales.customer())["id"]
    invoice = await sales.invoice(
        customer,
        [{"description": "Advice", "quantity": "1", "unitPrice": "100", "taxCode": "SST10"}],
    )
    assert invoice["errors"] == [], invoice
    stored = await _stored(engine, tenant.schema, sales.company_id)
    assert stored == {c["code"]: c["id"] for c in shown}
    again = (await gql.data(TAX_CODES, {"c": sales.company_id}, tenant.token))["taxCodes"]
    assert again == shown
