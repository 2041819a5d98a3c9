"""Helpers of the job tests: a real multipart upload, polling a job, companies."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import GraphQLClient, TenantHandle, eventually

JOB_FIELDS = """id kind state dryRun fileName fileFormat rowsTotal rowsDone errorCount
  batchSize batchesCommitted attempts failure idempotencyKey"""

START = f"""
mutation Start($input: StartImportInput!) {{
  startImport(input: $input) {{
    job {{ {JOB_FIELDS} }}
    errors {{ code message field reason }}
  }}
}}"""

JOB = f"query Job($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} }} }}"
REPORT = "query Report($id: ID!) { jobErrorReport(id: $id) }"
CANCEL = """
mutation Cancel($id: ID!) {
  cancelJob(id: $id) { job { id state } errors { code message field } }
}"""
EXPORT = """
query Export($kind: JobKind!, $companyId: ID!, $format: ExportFormat!) {
  exportData(kind: $kind, companyId: $companyId, format: $format) {
    fileName contentType text base64 rows
  }
}"""
CREATE_COMPANY = """
mutation Create($input: CreateCompanyInput!) {
  createCompany(input: $input) { company { id } errors { code message } }
}"""


async def company(gql: GraphQLClient, tenant: TenantHandle, name: str = "Import Sdn Bhd") -> str:
    data = await gql.data(
        CREATE_COMPANY, {"input": {"name": name, "currencyCode": "MYR"}}, tenant.token
    )
    assert data["createCompany"]["errors"] == [], data
    return str(data["createCompany"]["company"]["id"])


async def upload(
    gql: GraphQLClient,
    token: str,
    *,
    kind: str,
    company_id: str,
    content: bytes,
    file_name: str = "rows.csv",
    dry_run: bool = False,
    idempotency_key: str | None = None,
    batch_size: int | None = None,
    raw: bool = False,
) -> dict[str, Any]:
    """startImport through the GraphQL multipart request spec, as a browser would send it."""
    variables: dict[str, Any] = {
        "input": {
            "kind": kind,
            "companyId": company_id,
            "file": None,
            "dryRun": dry_run,
            "idempotencyKey": idempotency_key,
            "options": {"batchSize": batch_size} if batch_size else None,
        }
    }
    response = await gql.http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": START, "variables": variables}),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (file_name, content, "application/octet-stream")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    if raw:
        return body
    assert "errors" not in body, body
    return dict(body["data"]["startImport"])


async def job(gql: GraphQLClient, token: str, job_id: str) -> dict[str, Any] | None:
    return (await gql.data(JOB, {"id": job_id}, token))["job"]


async def settled(
    gql: GraphQLClient, token: str, job_id: str, timeout: float = 30.0
) -> dict[str, Any]:
    """The job once it ended (succeeded, failed, cancelled, or validated for a dry run)."""

    async def ended() -> dict[str, Any] | None:
        found = await job(gql, token, job_id)
        assert found is not None
        done = found["state"] in ("SUCCEEDED", "FAILED", "CANCELLED") or (
            found["dryRun"] and found["state"] == "VALIDATED"
        )
        return found if done else None

    found = await eventually(ended, timeout=timeout, interval=0.1)
    assert found, f"job {job_id} did not end: {await job(gql, token, job_id)}"
    return found
