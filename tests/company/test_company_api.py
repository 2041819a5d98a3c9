"""Company Management through the API: create, read, page, update, conflict, validation."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from tests.conftest import GraphQLClient, StatementLog, TenantHandle

CREATE = """
mutation Create($input: CreateCompanyInput!) {
  createCompany(input: $input) {
    company { id name registrationNumber taxNumber currencyCode timezone version createdBy }
    errors { code message field }
  }
}"""

UPDATE = """
mutation Update($input: UpdateCompanyInput!) {
  updateCompany(input: $input) {
    company { id name currencyCode timezone version updatedBy }
    errors { code message field }
  }
}"""

PAGE = """
query Page($first: Int, $after: String) {
  companies(first: $first, after: $after) {
    edges { cursor node { id name currencyCode } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""


async def create(gql: GraphQLClient, tenant: TenantHandle, **input: object) -> dict:
    data = await gql.data(CREATE, {"input": {"name": "Acme Sdn Bhd", **input}}, tenant.token)
    return data["createCompany"]


async def count_rows(engine, schema: str, table: str) -> int:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        return (await conn.execute(text(f'SELECT count(*) FROM "{schema}".{table}'))).scalar_one()


async def test_create_then_read_back(gql: GraphQLClient, tenant: TenantHandle) -> None:
    result = await create(
        gql, tenant, registrationNumber="202401012345", taxNumber="C2584563200",
        currencyCode="myr", timezone="Asia/Kuala_Lumpur",
    )  # fmt: skip
    assert result["errors"] == []
    company = result["company"]
    assert company["currencyCode"] == "MYR"  # normalised
    assert company["version"] == 1
    assert company["createdBy"] == str(tenant.admin_id)

    read = await gql.data(
        "query($id: ID!) { company(id: $id) { name taxNumber timezone } }",
        {"id": company["id"]},
        tenant.token,
    )
    assert read["company"] == {
        "name": "Acme Sdn Bhd", "taxNumber": "C2584563200", "timezone": "Asia/Kuala_Lumpur"
    }  # fmt: skip


async def test_update_bumps_version_and_stale_version_conflicts(
    gql: GraphQLClient, tenant: TenantHandle, engine
) -> None:  # type: ignore[no-untyped-def]
    company = (await create(gql, tenant))["company"]
    first = await gql.data(
        UPDATE, {"input": {"id": company["id"], "version": 1, "name": "Acme Bhd"}}, tenant.token
    )
    assert first["updateCompany"]["errors"] == []
    assert first["updateCompany"]["company"]["version"] == 2
    assert first["updateCompany"]["company"]["name"] == "Acme Bhd"

    stale = await gql.data(
        UPDATE, {"input": {"id": company["id"], "version": 1, "name": "Lost Update"}}, tenant.token
    )
    assert stale["updateCompany"]["company"] is None
    [error] = stale["updateCompany"]["errors"]
    assert error["code"] == "CONFLICT" and error["field"] == "version"
    read = await gql.data(
        "query($id: ID!) { company(id: $id) { name version } }", {"id": company["id"]}, tenant.token
    )
    assert read["company"] == {"name": "Acme Bhd", "version": 2}
    # one event for the create, one for the accepted update, none for the conflict
    assert await count_rows(engine, tenant.schema, "outbox") == 2


async def test_unchanged_update_is_a_no_op(gql: GraphQLClient, tenant: TenantHandle) -> None:
    company = (await create(gql, tenant))["company"]
    same = await gql.data(
        UPDATE, {"input": {"id": company["id"], "version": 1, "name": "Acme Sdn Bhd"}}, tenant.token
    )
    assert same["updateCompany"]["company"]["version"] == 1


async def test_invalid_input_gives_field_errors_and_writes_nothing(
    gql: GraphQLClient, tenant: TenantHandle, engine
) -> None:  # type: ignore[no-untyped-def]
    result = await create(gql, tenant, name="  ", currencyCode="XYZ", timezone="Mars/Olympus")
    assert result["company"] is None
    by_field = {e["field"]: e["code"] for e in result["errors"]}
    assert by_field == {"name": "REQUIRED", "currencyCode": "INVALID", "timezone": "INVALID"}
    assert await count_rows(engine, tenant.schema, "companies") == 0
    assert await count_rows(engine, tenant.schema, "outbox") == 0


async def test_invalid_update_changes_nothing(
    gql: GraphQLClient, tenant: TenantHandle, engine
) -> None:  # type: ignore[no-untyped-def]
    company = (await create(gql, tenant))["company"]
    bad = await gql.data(
        UPDATE,
        {"input": {"id": company["id"], "version": 1, "currencyCode": "EURO", "name": "x" * 256}},
        tenant.token,
    )
    assert {e["field"] for e in bad["updateCompany"]["errors"]} == {"currencyCode", "name"}
    async with engine.connect() as conn:
        row = (
            await conn.execute(text(f'SELECT name, version FROM "{tenant.schema}".companies'))
        ).one()
    assert tuple(row) == ("Acme Sdn Bhd", 1)
    assert await count_rows(engine, tenant.schema, "outbox") == 1  # only the create


async def test_update_of_unknown_company_is_not_found(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    for company_id in (str(uuid.uuid4()), "not-a-uuid"):
        result = await gql.data(UPDATE, {"input": {"id": company_id, "version": 1}}, tenant.token)
        assert [e["code"] for e in result["updateCompany"]["errors"]] == ["NOT_FOUND"]


async def test_pages_walk_every_company_once(gql: GraphQLClient, tenant: TenantHandle) -> None:
    names = [f"Company {i:02}" for i in range(7)]
    for name in names:
        await create(gql, tenant, name=name)
    seen, after, pages = [], None, 0
    while True:
        page = (await gql.data(PAGE, {"first": 3, "after": after}, tenant.token))["companies"]
        seen += [e["node"]["name"] for e in page["edges"]]
        pages += 1
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == names and pages == 3


async def test_bad_paging_arguments_are_typed_errors(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    for variables, argument in (({"first": 1000}, "first"), ({"after": "garbage!"}, "after")):
        body = await gql(PAGE, variables, tenant.token)
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["argument"] == argument


async def test_sql_per_request_does_not_grow_with_page_size(
    gql: GraphQLClient, make_tenant, sql_log: StatementLog
) -> None:  # type: ignore[no-untyped-def]
    small, large = await make_tenant("small"), await make_tenant("large")
    await create(gql, small)
    for i in range(40):
        await create(gql, large, name=f"Co {i}")
    counts = {}
    for handle in (small, large):
        sql_log.statements.clear()
        page = await gql.data(PAGE, {"first": 50}, handle.token)
        assert len(page["companies"]["edges"]) in (1, 40)
        counts[handle.slug] = len(sql_log.touching(handle.schema))
    assert counts[small.slug] == counts[large.slug] == 1


async def test_entities_resolve_many_companies_in_one_statement(
    gql: GraphQLClient, tenant: TenantHandle, sql_log: StatementLog
) -> None:
    ids = [(await create(gql, tenant, name=f"E{i}"))["company"]["id"] for i in range(5)]
    sql_log.statements.clear()
    data = await gql.data(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Company { id name } } }",
        {"r": [{"__typename": "Company", "id": i} for i in ids]},
        tenant.token,
    )
    assert [e["id"] for e in data["_entities"]] == ids
    assert len(sql_log.touching(tenant.schema)) == 1
