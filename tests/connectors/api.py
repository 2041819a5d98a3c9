"""Helpers of the connector tests: the GraphQL documents, creating and running connectors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import GraphQLClient, TenantHandle
from tests.jobs.api import settled

CONNECTOR_FIELDS = """id companyId kind name enabled schedule hasCredentials lastDate lastJobId
  settings { baseUrl currencies rateType }"""
CREATE = f"""
mutation Create($input: CreateConnectorInput!) {{
  createConnector(input: $input) {{
    connector {{ {CONNECTOR_FIELDS} }}
    errors {{ code message field }}
  }}
}}"""
UPDATE = """
mutation Update($input: UpdateConnectorInput!) {
  updateConnector(input: $input) {
    connector { id name enabled hasCredentials settings { currencies rateType } }
    errors { code message field }
  }
}"""
DELETE = """
mutation Delete($id: ID!) { deleteConnector(id: $id) { deletedId errors { code field } } }"""
RUN = """
mutation Run($id: ID!) {
  runConnector(id: $id) { job { id kind state } errors { code message field } }
}"""
LIST = f"query List {{ connectors {{ {CONNECTOR_FIELDS} }} }}"
RATES = """
query Rates($companyId: ID!) {
  exchangeRates(companyId: $companyId) { currency effectiveDate rate }
}"""


async def rows(engine: AsyncEngine, sql: str) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(text(sql))]


async def create(
    gql: GraphQLClient, tenant: TenantHandle, company_id: str, base_url: str, **more: Any
) -> dict[str, Any]:
    variables = {
        "kind": "EXCHANGE_RATES",
        "companyId": company_id,
        "settings": {"baseUrl": base_url, "currencies": ["USD", "JPY"], "rateType": "MIDDLE"},
    } | more
    return dict((await gql.data(CREATE, {"input": variables}, tenant.token))["createConnector"])


async def run(gql: GraphQLClient, tenant: TenantHandle, connector_id: str) -> dict[str, Any]:
    started = (await gql.data(RUN, {"id": connector_id}, tenant.token))["runConnector"]
    assert started["errors"] == [], started
    return await settled(gql, tenant.token, started["job"]["id"])
