"""One answer for a malformed id argument and one for a forged cursor, on every query,
connection and subscription: BAD_USER_INPUT naming the argument, never a server error. Cursors
already handed out keep working (their format did not change)."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest

from tests.conftest import GraphQLClient, LiveServer, TenantHandle
from tests.e2e.ws_client import TRANSPORT_WS, GraphQLWebSocket

INTERNAL = "Internal server error"
NOT_A_CURSOR = "`after` is not a cursor returned by this API."
SOME_ID = str(uuid.uuid4())


@pytest.fixture(scope="module")
async def reader(make_tenant) -> TenantHandle:  # type: ignore[no-untyped-def]
    # Enterprise: these tests send ~100 requests back to back, past the professional plan's
    # burst of 100 when the machine is quick (a rate-limit answer is not what they look at).
    return await make_tenant("ids", plan="enterprise")


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def the_error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("errors"), body
    [error] = body["errors"]
    assert INTERNAL not in error["message"], error
    return error


def assert_names(error: dict[str, Any], argument: str, message: str) -> None:
    extensions = error.get("extensions") or {}
    assert (extensions.get("code"), extensions.get("argument"), error["message"]) == (
        "BAD_USER_INPUT",
        argument,
        message,
    ), error


# --- one id parser --------------------------------------------------------------------------

MALFORMED_ID_QUERIES = [
    ('{ company(id: "nope") { id } }', "id"),
    ('{ account(id: "nope") { id } }', "id"),
    (
        '{ generalLedger(accountId: "nope", from: "2024-01-01", to: "2024-12-31") { code } }',
        "accountId",
    ),
    ('{ auditLog(filter: {aggregateId: "nope"}) { edges { cursor } } }', "filter.aggregateId"),
]


@pytest.mark.parametrize(("query", "argument"), MALFORMED_ID_QUERIES)
async def test_a_malformed_id_argument_of_a_query_is_named(
    gql: GraphQLClient, reader: TenantHandle, query: str, argument: str
) -> None:
    error = the_error(await gql(query, token=reader.token))
    assert_names(error, argument, f"`{argument}` is not an id.")


MALFORMED_ID_SUBSCRIPTIONS = [
    ('subscription { accountingEvents(companyId: "nope") { eventType } }', "companyId"),
    ('subscription { trialBalanceChanged(companyId: "nope") { asOf } }', "companyId"),
    ('subscription { invoiceEvents(companyId: "nope") { eventType } }', "companyId"),
    ('subscription { paymentEvents(customerId: "nope") { eventType } }', "customerId"),
    ('subscription { purchasingEvents(supplierId: "nope") { eventType } }', "supplierId"),
    ('subscription { stockLevelChanged(productId: "nope") { onHand } }', "productId"),
]


async def test_a_malformed_id_argument_of_a_subscription_is_named(
    live_server: LiveServer, reader: TenantHandle
) -> None:
    async with GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, reader.token) as ws:
        for document, argument in MALFORMED_ID_SUBSCRIPTIONS:
            errors = await (await ws.subscribe(document)).errors()
            error = the_error({"errors": errors})
            assert_names(error, argument, f"`{argument}` is not an id.")


# --- one cursor codec -----------------------------------------------------------------------

CONNECTIONS = [
    "companies(after: $after) { edges { cursor } }",
    f'accounts(companyId: "{SOME_ID}", after: $after) {{ edges {{ cursor }} }}',
    f'journalEntries(companyId: "{SOME_ID}", after: $after) {{ edges {{ cursor }} }}',
    f'generalLedger(accountId: "{SOME_ID}", from: "2024-01-01", to: "2024-12-31", '
    "after: $after) { code }",
    "auditLog(after: $after) { edges { cursor } }",
    f'products(companyId: "{SOME_ID}", after: $after) {{ edges {{ cursor }} }}',
    f'stockLevels(companyId: "{SOME_ID}", after: $after) {{ edges {{ cursor }} }}',
    f'stockMovements(companyId: "{SOME_ID}", after: $after) {{ edges {{ cursor }} }}',
    f'suppliers(companyId: "{SOME_ID}", after: $after) {{ edges {{ cursor }} }}',
    f'bills(companyId: "{SOME_ID}", after: $after) {{ edges {{ cursor }} }}',
    f'customers(companyId: "{SOME_ID}", after: $after) {{ edges {{ cursor }} }}',
    f'invoices(companyId: "{SOME_ID}", after: $after) {{ edges {{ cursor }} }}',
    f'quotations(companyId: "{SOME_ID}", after: $after) {{ edges {{ cursor }} }}',
    f'customerPayments(companyId: "{SOME_ID}", after: $after) {{ edges {{ cursor }} }}',
]

FORGED_CURSORS = {
    "not-base64": "!!!",
    "superscript-digit": b64("\u00b2"),  # str.isdigit() says yes, int() says no
    "audit-superscript": b64("audit:\u00b2"),
    "sku-and-no-id": b64("SKU|nope"),
    "amount-not-a-number": b64(f'["n", "abc", "{SOME_ID}"]'),
    "date-not-a-date": b64(f'["d", 5, "{SOME_ID}"]'),
    "line-beyond-any-line": b64(f"2024-01-01|{SOME_ID}|99999999999"),
}


@pytest.mark.parametrize("connection", CONNECTIONS, ids=lambda c: c.split("(")[0])
async def test_a_forged_cursor_is_the_clients_error_on_every_connection(
    gql: GraphQLClient, reader: TenantHandle, connection: str
) -> None:
    document = f"query($after: String) {{ {connection} }}"
    for name, cursor in FORGED_CURSORS.items():
        body = await gql(document, {"after": cursor}, reader.token)
        assert body.get("errors"), (name, body)
        error = the_error(body)
        assert_names(error, "after", NOT_A_CURSOR)


async def test_cursors_handed_out_before_keep_paging(gql: GraphQLClient, make_tenant) -> None:  # type: ignore[no-untyped-def]
    """A client holding a cursor from before the codec was shared pages on from it: the
    companies' cursor is still base64 of `created_at|id`, the audit log's `audit:<seq>`."""
    owner = await make_tenant("cursors")
    for name in ("First", "Second", "Third"):
        made = await gql.data(
            "mutation($n: String!) { createCompany(input: {name: $n}) { company { id } } }",
            {"n": name},
            owner.token,
        )
        assert made["createCompany"]["company"]["id"]
    listing = await gql.data(
        "{ companies(first: 10) { edges { cursor node { id name createdAt } } } }",
        token=owner.token,
    )
    edges = listing["companies"]["edges"]
    first = edges[0]["node"]
    held = b64(f"{first['createdAt']}|{first['id']}")
    assert edges[0]["cursor"] == held
    rest = await gql.data(
        "query($a: String) { companies(first: 10, after: $a) { edges { node { name } } } }",
        {"a": held},
        owner.token,
    )
    assert [e["node"]["name"] for e in rest["companies"]["edges"]] == ["Second", "Third"]

    log = await gql.data("{ auditLog(first: 2) { edges { cursor } } }", token=owner.token)
    newest = log["auditLog"]["edges"][0]["cursor"]
    assert base64.urlsafe_b64decode(newest).decode().startswith("audit:")
    older = await gql.data(
        "query($a: String) { auditLog(first: 1, after: $a) { edges { cursor } } }",
        {"a": newest},
        owner.token,
    )
    assert older["auditLog"]["edges"][0]["cursor"] == log["auditLog"]["edges"][1]["cursor"]
