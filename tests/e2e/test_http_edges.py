"""The web surface and bad input, over a real socket: GraphiQL, health, request ids, CORS and
websocket origins, and every kind of malformed request ending in a clear 4xx or GraphQL error
(never a 500 or a stack trace) that writes nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.conftest import GraphQLClient, LiveServer, TenantHandle
from tests.jobs.api import upload

ANGULAR = "http://localhost:4200"
EVIL = "https://evil.example"


@pytest.fixture(scope="module")
async def http(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
async def shared(make_tenant) -> TenantHandle:  # type: ignore[no-untyped-def]
    """A tenant for the tests that write nothing."""
    return await make_tenant("edges")


def assert_clean(response: httpx.Response) -> None:
    """Whatever went wrong, it was the client's fault and no internals leaked."""
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    assert 'File "' not in response.text


def graphql_errors(response: httpx.Response) -> list[dict[str, Any]]:
    """A GraphQL-level refusal: 200, errors, and no data at all (the document never ran)."""
    assert_clean(response)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("data") is None, body
    assert body["errors"], body
    return body["errors"]


async def count_rows(engine, schema: str, table: str) -> int:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        return (await conn.execute(text(f'SELECT count(*) FROM "{schema}".{table}'))).scalar_one()


# --- routes --------------------------------------------------------------------------------


async def test_graphiql_is_served_to_browsers(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_get_without_html_accept_runs_a_query(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_mutation_over_get_is_refused(http: httpx.AsyncClient) -> None:
    """GET must be safe: a link or <img> on another site cannot run a mutation."""
    response = await http.get(
        "/graphql",
        params={
            "query": 'mutation { login(tenant: "x", email: "y", password: "z") { expiresIn } }'
        },
        headers={"Accept": "application/json"},
    )
    assert_clean(response)
    assert response.status_code in (400, 405), response.text


async def test_healthz_and_readyz(http: httpx.AsyncClient) -> None:
    health = await http.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    # This app does not require a worker: one of the suite's may or may not be beating now.
    assert body.pop("worker") in ("ok", "none (not required)"), body
    assert body == {"status": "ready", "postgres": "ok", "redis": "ok"}


async def test_unknown_path_is_404(http: httpx.AsyncClient) -> None:
    response = await http.get("/nope")
    assert response.status_code == 404
    assert_clean(response)


# --- request ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/.well-known/jwks.json"),
     ("POST", "/graphql"), ("GET", "/nope")],
)  # fmt: skip
async def test_every_response_carries_a_request_id(
    http: httpx.AsyncClient, method: str, path: str
) -> None:
    body = {"query": "{ __typename }"} if method == "POST" else None
    first = await http.request(method, path, json=body)
    second = await http.request(method, path, json=body)
    ids = first.headers.get("x-request-id"), second.headers.get("x-request-id")
    assert all(ids) and ids[0] != ids[1]


async def test_client_request_id_is_echoed_and_bad_ones_replaced(http: httpx.AsyncClient) -> None:
    mine = "angular-req-0001:abc"
    response = await http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"X-Request-Id": mine}
    )
    assert response.headers["x-request-id"] == mine

    for hostile in ("short", "x" * 200, "has space here", "new\\nline-inject"):
        response = await http.get("/healthz", headers={"X-Request-Id": hostile})
        issued = response.headers["x-request-id"]
        assert issued != hostile and len(issued) >= 8


# --- CORS and websocket origins ------------------------------------------------------------


PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type",
}


async def test_cors_preflight_allows_the_configured_origin(http: httpx.AsyncClient) -> None:
    response = await http.options("/graphql", headers={"Origin": ANGULAR, **PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ANGULAR
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed

    # The actual request from the Angular app: allowed, and it may read the request id.
    actual = await http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": ANGULAR}
    )
    assert actual.status_code == 200
    assert actual.headers["access-control-allow-origin"] == ANGULAR
    assert "x-request-id" in actual.headers["access-control-expose-headers"].lower()


async def test_cors_refuses_other_origins(http: httpx.AsyncClient) -> None:
    for origin in (EVIL, "http://localhost:4201", "null"):
        response = await http.options("/graphql", headers={"Origin": origin, **PREFLIGHT})
        assert response.status_code == 400, origin
        assert "access-control-allow-origin" not in response.headers
        actual = await http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Origin": origin}
        )
        assert "access-control-allow-origin" not in actual.headers


async def test_websocket_from_a_foreign_origin_is_rejected(live_server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            live_server.ws_url,
            origin=EVIL,  # type: ignore[arg-type]
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            open_timeout=5,
        ):
            pass
    assert refused.value.response.status_code in (401, 403)


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_websocket_from_the_angular_origin_can_subscribe(
    live_server: LiveServer, gql: GraphQLClient, tenant: TenantHandle, protocol: str
) -> None:
    async with connect(
        live_server.ws_url,
        origin=ANGULAR,  # type: ignore[arg-type]
        subprotocols=[protocol],  # type: ignore[list-item]
        open_timeout=5,
    ) as ws:
        assert ws.subprotocol == protocol
        await ws.send(
            json.dumps(
                {"type": "connection_init", "payload": {"Authorization": f"Bearer {tenant.token}"}}
            )
        )
        ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert ack["type"] == "connection_ack"

        query = "subscription { companyEvents { eventType aggregateId } }"
        start = "subscribe" if protocol == "graphql-transport-ws" else "start"
        await ws.send(json.dumps({"id": "1", "type": start, "payload": {"query": query}}))
        await asyncio.sleep(0.3)  # let the subscription attach before the event happens
        created = await gql.data(
            'mutation { createCompany(input: {name: "Live Co"}) { company { id } } }',
            token=tenant.token,
        )
        company_id = created["createCompany"]["company"]["id"]

        async def next_event() -> dict[str, Any]:
            while True:
                frame = json.loads(await ws.recv())
                if frame["type"] in ("next", "data"):
                    return frame["payload"]
                assert frame["type"] in ("ping", "pong", "ka"), frame

        payload = await asyncio.wait_for(next_event(), 10)
        assert payload["data"]["companyEvents"] == {
            "eventType": "CompanyCreated", "aggregateId": company_id
        }  # fmt: skip


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"query": "{ __typename }"', b"\xff\xfe\x00garbage", b""],
    ids=["broken", "truncated", "binary", "empty"],
)
async def test_malformed_json_is_400(http: httpx.AsyncClient, body: bytes) -> None:
    response = await http.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert_clean(response)
    assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    "body",
    ["[]", '"query"', "42", "null", '[{"query": "{ __typename }"}]', '{"query": 42}',
     '{"query": "{ __typename }", "variables": "nope"}', '{"variables": {}}'],
)  # fmt: skip
async def test_json_that_is_not_a_graphql_request_is_refused(
    http: httpx.AsyncClient, body: str
) -> None:
    response = await http.post(
        "/graphql", content=body.encode(), headers={"Content-Type": "application/json"}
    )
    assert_clean(response)
    assert 400 <= response.status_code < 500 or (
        response.status_code == 200 and response.json().get("errors")
    ), response.text


@pytest.mark.parametrize("where", ["variables", "extensions"])
@pytest.mark.parametrize("depth", [1000, 5000])
async def test_deeply_nested_json_is_a_client_error(
    http: httpx.AsyncClient, where: str, depth: int
) -> None:
    """A few KB of brackets is well under the body limit; it must not exhaust the JSON parser.
    Beyond the parser's nesting limit it is a 400; within it, a GraphQL error."""
    nested = "[" * depth + "]" * depth
    value = f'{{"v": {nested}}}' if where == "variables" else f'{{"x": {nested}}}'
    body = f'{{"query": "query($v: [Int]) {{ __typename }}", "{where}": {value}}}'
    response = await http.post(
        "/graphql", content=body.encode(), headers={"Content-Type": "application/json"}
    )
    assert_clean(response)
    if depth > 1024:
        assert response.status_code == 400, response.text
    else:
        assert response.status_code in (200, 400), response.text
        assert response.status_code == 400 or response.json()["errors"], response.text


async def test_unsupported_content_type_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", content=b"query=%7B__typename%7D", headers={"Content-Type": "text/plain"}
    )
    assert_clean(response)
    assert 400 <= response.status_code < 500


async def test_unknown_field_is_a_validation_error(
    gql: GraphQLClient, shared: TenantHandle
) -> None:
    [error] = graphql_errors(await gql.post("{ me { user { shoeSize } } }", token=shared.token))
    assert "shoeSize" in error["message"]
    assert error["locations"]


async def test_syntax_error_is_reported_with_its_location(gql: GraphQLClient) -> None:
    [error] = graphql_errors(await gql.post("{ me { user { email } "))
    assert "Syntax Error" in error["message"]
    assert error["locations"]


@pytest.mark.parametrize(
    "query, variables, needle",
    [
        ('{ companies(first: "ten") { edges { cursor } } }', None, "Int"),
        ("query($n: Int) { companies(first: $n) { edges { cursor } } }", {"n": "ten"}, "Int"),
        ("{ companies(frist: 2) { edges { cursor } } }", None, "frist"),
        ("query($id: ID!) { company(id: $id) { id } }", {}, "$id"),
        ("{ company { id } }", None, "id"),
    ],
    ids=["literal", "variable", "unknown-argument", "missing-variable", "missing-argument"],
)
async def test_wrong_arguments_are_validation_errors(
    gql: GraphQLClient, shared: TenantHandle, query: str, variables: dict | None, needle: str
) -> None:
    errors = graphql_errors(await gql.post(query, variables, token=shared.token))
    assert any(needle in e["message"] for e in errors), errors


async def test_document_over_the_token_limit_is_refused(gql: GraphQLClient) -> None:
    query = "{ " + "__typename " * 3000 + "}"
    [error] = graphql_errors(await gql.post(query))
    assert "token" in error["message"].lower()


async def test_deeply_nested_document_is_refused(gql: GraphQLClient) -> None:
    depth = 300
    query = "{ __schema { types { " + "ofType { " * depth + "name" + " }" * depth + " } } }"
    [error] = graphql_errors(await gql.post(query))
    assert "nested too deeply" in error["message"]


async def test_deeply_nested_literal_is_refused(gql: GraphQLClient, shared: TenantHandle) -> None:
    query = "{ companies(first: " + "[" * 500 + "1" + "]" * 500 + ") { edges { cursor } } }"
    [error] = graphql_errors(await gql.post(query, token=shared.token))
    assert "nested too deeply" in error["message"]


async def test_introspection_fan_out_is_refused(gql: GraphQLClient) -> None:
    """types -> fields -> type -> fields ... multiplies the answer at every level."""
    inner = "name"
    for _ in range(4):
        inner = f"name fields {{ name type {{ name ofType {{ {inner} }} }} }}"
    errors = graphql_errors(await gql.post("{ __schema { types { " + inner + " } } }"))
    assert any("introspection depth" in e["message"] for e in errors), errors


async def test_within_limits_is_fine(gql: GraphQLClient) -> None:
    query = "{ __schema { types { " + "ofType { " * 5 + "name" + " }" * 5 + " } } }"
    assert (await gql.data(query))["__schema"]["types"]


async def test_too_many_aliases_are_refused(gql: GraphQLClient) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(50)) + " }"
    errors = graphql_errors(await gql.post(query))
    assert any("alias" in e["message"].lower() for e in errors), errors


async def test_cyclic_fragments_are_refused(gql: GraphQLClient) -> None:
    query = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    errors = graphql_errors(await gql.post(query))
    assert any("cycle" in e["message"].lower() or "spread" in e["message"].lower() for e in errors)


async def test_body_over_one_mib_is_413(http: httpx.AsyncClient) -> None:
    padding = "#" + "x" * (1024 * 1024 + 100) + "\n"
    response = await http.post("/graphql", json={"query": padding + "{ __typename }"})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers.get("x-request-id")
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_chunked_body_over_one_mib_is_413(http: httpx.AsyncClient) -> None:
    """Without a Content-Length the limit is enforced while reading."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "#'
        for _ in range(20):
            yield b"x" * 65536
        yield b'\\n{ __typename }"}'

    response = await http.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_an_upload_over_one_mib_reaches_the_plans_limit(
    gql: GraphQLClient, tenant: TenantHandle, make_tenant: Any
) -> None:
    """Uploads (multipart) have their own edge limit: an import file over the 1 MiB body limit
    is taken on the professional plan (50 MiB a file); the free plan's 5 MiB refuses more."""
    company = (
        await gql.data(
            'mutation { createCompany(input: {name: "Uploads Sdn Bhd"}) { company { id } } }',
            token=tenant.token,
        )
    )["createCompany"]["company"]["id"]
    rows = "".join(f"C{i:07d},Customer {i:07d} Sdn Bhd\n" for i in range(36_000))
    content = ("code,name\n" + rows).encode()
    assert len(content) > 1024 * 1024
    started = await upload(
        gql, tenant.token, kind="CUSTOMERS", company_id=company, content=content, dry_run=True
    )
    assert started["errors"] == [] and started["job"]["id"], started
    free = await make_tenant("uploads", plan="free")
    free_company = (
        await gql.data(
            'mutation { createCompany(input: {name: "Free Sdn Bhd"}) { company { id } } }',
            token=free.token,
        )
    )["createCompany"]["company"]["id"]
    too_big = await upload(
        gql, free.token, kind="CUSTOMERS", company_id=free_company,
        content=content * 5, dry_run=True,
    )  # fmt: skip
    assert too_big["job"] is None
    assert [e["code"] for e in too_big["errors"]] == ["LIMIT_EXCEEDED"], too_big


async def test_server_still_serves_after_abuse(gql: GraphQLClient) -> None:
    assert await gql.data("{ __typename }") == {"__typename": "Query"}


async def test_unexpected_errors_are_masked(http: httpx.AsyncClient) -> None:
    """A representation without __typename (once a KeyError in the federation resolver, now a
    typed error): the client sees no exception name, no stack, and gets a request id to quote."""
    response = await http.post(
        "/graphql",
        json={"query": "{ _entities(representations: [{}]) { __typename } }"},
        headers={"X-Request-Id": "support-case-00042"},
    )
    assert_clean(response)
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "support-case-00042"
    [error] = response.json()["errors"]
    assert "KeyError" not in error["message"] and "__typename" not in error["message"]
    assert set(error.get("extensions") or {}) <= {"code"}


@pytest.mark.parametrize(
    "frame", ["42", "null", '"hello"', "[]", "[" * 5000 + "]" * 5000],
    ids=["number", "null", "string", "array", "deep-array"],
)  # fmt: skip
async def test_websocket_frame_that_is_not_an_object_is_a_protocol_error(
    live_server: LiveServer, frame: str
) -> None:
    """graphql-transport-ws: an invalid message closes the socket with 4400, not a crash."""
    async with connect(
        live_server.ws_url,
        origin=ANGULAR,  # type: ignore[arg-type]
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        open_timeout=5,
    ) as ws:
        await ws.send(frame)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
    assert ws.close_code == 4400, (ws.close_code, ws.close_reason)


# --- a failed command writes nothing -------------------------------------------------------

CREATE = """
mutation Create($input: CreateCompanyInput!) {
  createCompany(input: $input) { company { id } errors { code field } }
}"""


async def test_invalid_values_are_typed_errors_and_write_nothing(
    gql: GraphQLClient, tenant: TenantHandle, engine
) -> None:  # type: ignore[no-untyped-def]
    data = await gql.data(
        CREATE, {"input": {"name": "Ok Name", "currencyCode": "ABC", "timezone": "Nowhere/Land"}},
        tenant.token,
    )  # fmt: skip
    result = data["createCompany"]
    assert result["company"] is None
    assert {(e["field"], e["code"]) for e in result["errors"]} == {
        ("currencyCode", "INVALID"), ("timezone", "INVALID")
    }  # fmt: skip
    assert await count_rows(engine, tenant.schema, "companies") == 0
    assert await count_rows(engine, tenant.schema, "outbox") == 0


@pytest.mark.parametrize(
    "query, variables",
    [
        (CREATE, {"input": {"currencyCode": "MYR"}}),  # required `name` missing
        (CREATE, {"input": {"name": None}}),
        (CREATE, {"input": {"name": "A", "nope": 1}}),  # unknown input field
        (CREATE, {"input": {"name": 12}}),  # wrong type
        ('mutation { createCompany(input: {currencyCode: "MYR"}) { company { id } } }', None),
        ('mutation { createCompany(input: {name: "A"}) { company { id shoeSize } } }', None),
        (  # a valid command followed by an invalid one: the whole document is refused
            'mutation { a: createCompany(input: {name: "A"}) { company { id } } '
            "b: createCompany(input: {}) { company { id } } }",
            None,
        ),
    ],
    ids=["missing-name", "null-name", "unknown-input-field", "wrong-type", "literal-missing-name",
         "unknown-selection", "valid-then-invalid"],
)  # fmt: skip
async def test_invalid_document_writes_nothing(
    gql: GraphQLClient, shared: TenantHandle, engine, query: str, variables: dict | None
) -> None:  # type: ignore[no-untyped-def]
    errors = graphql_errors(await gql.post(query, variables, token=shared.token))
    assert all(e.get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR" for e in errors)
    # `shared` is never written to by any test: any row here came from a refused document.
    assert await count_rows(engine, shared.schema, "companies") == 0
    assert await count_rows(engine, shared.schema, "outbox") == 0
