"""Inputs that used to reach a 500 or slip past a limit: NUL bytes in text, malformed federation
representations, oversized websocket frames, ambiguous multi-operation documents, and what a
production deployment tells strangers (GraphiQL, "Did you mean …?")."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import LOGIN, GraphQLClient, LiveServer, TenantHandle, start_server, stop_server
from tests.e2e.test_http_edges import count_rows, graphql_errors
from tests.e2e.ws_client import PROTOCOLS, TRANSPORT_WS, GraphQLWebSocket

INTERNAL = "Internal server error"


def codes(errors: list[dict[str, Any]]) -> set[str | None]:
    return {(e.get("extensions") or {}).get("code") for e in errors}


@pytest.fixture(scope="module")
async def quiet(make_tenant) -> TenantHandle:  # type: ignore[no-untyped-def]
    """A tenant nothing is ever written to (every document here is refused)."""
    return await make_tenant("faults")


# --- 11. NUL bytes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variables",
    [
        {"tenant": "demo\u0000", "email": "a@b.example", "password": "x"},
        {"tenant": "demo", "email": "a\u0000@b.example", "password": "x"},
        {"tenant": "demo", "email": "a@b.example", "password": "pass\u0000word"},
    ],
    ids=["tenant", "email", "password"],
)
async def test_nul_byte_in_sign_in_is_a_typed_input_error(
    gql: GraphQLClient, variables: dict[str, str]
) -> None:
    """Unauthenticated `login` used to answer "Internal server error" (PostgreSQL refuses NUL)."""
    errors = graphql_errors(await gql.post(LOGIN, variables))
    assert codes(errors) == {"BAD_USER_INPUT"}, errors
    assert all(INTERNAL not in e["message"] for e in errors)
    assert any("NUL" in e["message"] for e in errors), errors


@pytest.mark.parametrize(
    "query, variables",
    [
        ('mutation { createCompany(input: {name: "Acme\\u0000"}) { company { id } } }', None),
        (
            "mutation($i: CreateCompanyInput!) { createCompany(input: $i) { company { id } } }",
            {"i": {"name": "Acme", "registrationNumber": "12\u00003"}},
        ),
        ('{ company(id: "abc\\u0000") { id } }', None),
        ("query($id: ID!) { company(id: $id) { id } }", {"id": "\u0000"}),
    ],
    ids=["literal-input-field", "variable-input-field", "literal-id", "variable-id"],
)
async def test_nul_byte_anywhere_in_the_arguments_is_refused_and_writes_nothing(
    gql: GraphQLClient, quiet: TenantHandle, engine, query: str, variables: dict | None
) -> None:  # type: ignore[no-untyped-def]
    errors = graphql_errors(await gql.post(query, variables, token=quiet.token))
    assert codes(errors) == {"BAD_USER_INPUT"}, errors
    assert await count_rows(engine, quiet.schema, "companies") == 0


async def test_nul_byte_over_a_websocket_is_refused(
    live_server: LiveServer, quiet: TenantHandle
) -> None:
    async with GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, quiet.token) as ws:
        sub = await ws.subscribe(
            "subscription($id: ID) { companyEvents(companyId: $id) { eventType } }",
            {"id": "x\u0000"},
        )
        errors = await sub.errors()
    assert codes(errors) == {"BAD_USER_INPUT"}, errors


# --- 13. federation representations --------------------------------------------------------

ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"


@pytest.mark.parametrize(
    "representation",
    [
        {"__typename": "Tenant", "id": "00000000-0000-0000-0000-000000000000", "slug": "x"},
        {"__typename": "Company", "id": "x", "name": "extra"},
        {"__typename": "User", "email": "someone@example.com"},
        {"__typename": "Company"},
        {"__typename": "NoSuchType", "id": "x"},
        {"__typename": "Query", "id": "x"},
        {"__typename": "Company", "id": {"nested": True}},
        {"id": "x"},
        "just a string",
    ],
    ids=["tenant-extra-key", "company-extra-key", "user-missing-id", "company-no-key",
         "unknown-type", "not-an-entity", "id-not-scalar", "no-typename", "not-an-object"],
)  # fmt: skip
async def test_malformed_representation_is_a_typed_error(
    gql: GraphQLClient, quiet: TenantHandle, representation: Any
) -> None:
    body = await gql(ENTITIES, {"r": [representation]}, quiet.token)
    assert body["errors"], body
    assert codes(body["errors"]) == {"BAD_USER_INPUT"}, body
    assert all(INTERNAL not in e["message"] for e in body["errors"])


async def test_well_formed_representation_still_resolves(
    gql: GraphQLClient, quiet: TenantHandle
) -> None:
    data = await gql.data(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { slug } } }",
        {"r": [{"__typename": "Tenant", "id": str(quiet.id)}]},
        quiet.token,
    )
    assert data == {"_entities": [{"slug": quiet.slug}]}


# --- 14. one size limit on every transport -------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_websocket_frame_over_the_body_limit_closes_the_socket(
    live_server: LiveServer, quiet: TenantHandle, protocol: str
) -> None:
    """HTTP answers 413 above 1 MiB; a websocket frame that size is refused too (1009)."""
    async with connect(live_server.ws_url, subprotocols=[protocol], open_timeout=5) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {quiet.token}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
        padding = "#" + "x" * (5 * 1024 * 1024) + "\n"
        start = "subscribe" if protocol == TRANSPORT_WS else "start"
        query = padding + "subscription { companyEvents { eventType } }"
        await ws.send(json.dumps({"id": "1", "type": start, "payload": {"query": query}}))
        with pytest.raises(ConnectionClosed):
            while True:  # keep-alives may arrive before the close
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert frame["type"] in ("ka", "ping"), frame
    assert ws.close_code == 1009, (ws.close_code, ws.close_reason)


# --- 15. several operations, no operationName ----------------------------------------------

TWO_OPERATIONS = "query A { __typename } query B { me { user { id } } }"


async def test_several_operations_without_a_name_are_refused_over_post(gql: GraphQLClient) -> None:
    [error] = graphql_errors(await gql.post(TWO_OPERATIONS))
    assert "operationName" in error["message"], error
    assert codes([error]) == {"BAD_USER_INPUT"}


async def test_several_operations_without_a_name_are_refused_over_get(
    live_server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        response = await http.get(
            "/graphql", params={"query": TWO_OPERATIONS}, headers={"Accept": "application/json"}
        )
        [error] = graphql_errors(response)
        assert "operationName" in error["message"], error
        named = await http.get(
            "/graphql",
            params={"query": TWO_OPERATIONS, "operationName": "A"},
            headers={"Accept": "application/json"},
        )
    assert named.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_several_operations_without_a_name_are_refused_over_websockets(
    live_server: LiveServer, quiet: TenantHandle, protocol: str
) -> None:
    document = (
        "subscription A { companyEvents { eventType } } "
        "subscription B { domainEvents { eventType } }"
    )
    async with GraphQLWebSocket(live_server.ws_url, protocol, quiet.token) as ws:
        errors = await (await ws.subscribe(document)).errors()
    assert any("operationName" in e["message"] for e in errors), errors


async def test_the_named_operation_runs(gql: GraphQLClient) -> None:
    response = await gql.http.post(
        "/graphql", json={"query": "query A { a: __typename } query B { b: __typename }",
                          "operationName": "B"},
    )  # fmt: skip
    assert response.json() == {"data": {"b": "Query"}}


# --- 16. production tells strangers nothing ------------------------------------------------


@pytest.fixture(scope="module")
async def production(settings, endpoints, engine) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    prod = settings.model_copy(update={"environment": "production"})
    live, server, task = await start_server(prod, endpoints)
    try:
        async with httpx.AsyncClient(base_url=live.url, timeout=10) as http:
            yield http
    finally:
        await stop_server(server, task)


async def test_production_serves_no_graphiql(production: httpx.AsyncClient) -> None:
    response = await production.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in response.text.lower()
    assert response.status_code == 404


SUGGESTING = [
    "{ compan(id: 1) { id } }",  # field: 'company' or 'companies'
    "{ companies(frist: 1) { edges { cursor } } }",  # argument: 'first'
    "query($i: CreateCompanyInput!) { __typename }",
]


async def test_production_makes_no_suggestions(
    production: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    for query in SUGGESTING[:2]:
        response = await production.post("/graphql", json={"query": query})
        assert response.json()["errors"], response.text
        assert "Did you mean" not in response.text, response.text
        # Development keeps helping.
        assert "Did you mean" in (await gql.post(query)).text
    mistyped = await production.post(
        "/graphql",
        json={"query": "mutation($i: CreateCompanyInput!) { createCompany(input: $i) { errors "
                       "{ code } } }", "variables": {"i": {"nmae": "x"}}},
    )  # fmt: skip
    assert mistyped.json()["errors"] and "Did you mean" not in mistyped.text, mistyped.text
