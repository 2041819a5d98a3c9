"""The execution fast path (schema/fast_paths/execution.py) answers byte for byte what
graphql-core's own execution answers, over the query documents the test suite itself uses.

The corpus is every query document found in tests/ (module-level constants, f-strings included,
and string literals in test bodies) plus a few written here for what the suite's documents may
lack (aliases, fragments, nulls, errors), run against one seeded tenant: books with entries,
products and stock, a customer with a posted and partly paid invoice, a supplier with a bill.
Each document is sent twice through the running API, once with the fast path and once with
Strawberry's plain execution context, and the two HTTP bodies must be the same bytes.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLError,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    parse,
    print_ast,
)
from starlette.routing import Route
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.fast_paths.execution import FastLeafExecutionContext
from tests.conftest import GraphQLClient, LiveServer
from tests.purchasing.api import Purchasing
from tests.sales.api import Sales

TESTS = Path(__file__).resolve().parents[1]

# Written here: shapes the suite's own documents may not cover.
HANDWRITTEN = [
    """query($company: ID!) { a: accounts(companyId: $company, first: 3) {
         edges { node { ...A } } } b: accounts(companyId: $company, first: 2) {
         edges { cursor node { code n: name } } } }
       fragment A on Account { id code name parentId type }""",
    """query($company: ID!) { accounts(companyId: $company, first: 4) {
         edges { node { ... on Account { code isActive } __typename } } } }""",
    """query($company: ID!) { trialBalance(companyId: $company, asOf: "2026-12-31") {
         __typename } }""",
    """query($company: ID!) { accountHierarchy(companyId: $company) {
         account { code parentId } depth } }""",
    """query { journalEntry(id: "00000000-0000-0000-0000-000000000000") { id } }""",
    """query { journalEntry(id: "not-an-id") { id } }""",
    """query($company: ID!) { accounts(companyId: $company, first: 2, after: "garbage") {
         edges { node { id } } } }""",
    """query($company: ID!) { accounts(companyId: $company, first: 2) {
         pageInfo { hasNextPage endCursor } edges { node { parentId } } } }""",
    """query($company: ID!, $with: Boolean = true) { accounts(companyId: $company, first: 3) {
         edges { node { code name @include(if: $with) parentId @skip(if: $with) } } } }""",
    """query($company: ID!) { accounts(companyId: $company, first: 3) { edges {
         node { code ... @include(if: false) { name } ... on Account @skip(if: false) { type } }
       } } }""",
    """{ __typename }""",
    """{ __type(name: "Account") { name fields { name type { name kind } } } }""",
]


def _string_constants(module: Any, path: Path) -> Iterator[str]:
    """Module-level strings (f-strings evaluated) and literals anywhere in the file."""
    for value in vars(module).values():
        if isinstance(value, str):
            yield value
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def _is_query(text: str) -> bool:
    if "{" not in text:
        return False
    try:
        document = parse(text)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return len(operations) == 1 and operations[0].operation == OperationType.QUERY


def suite_queries() -> list[str]:
    found: dict[str, None] = {}
    for path in sorted(TESTS.rglob("*.py")):
        if "node_modules" in path.parts or path == Path(__file__).resolve():
            continue
        name = ".".join(path.relative_to(TESTS.parent).with_suffix("").parts)
        module = sys.modules.get(name) or importlib.import_module(name)
        for text in _string_constants(module, path):
            if _is_query(text):
                found.setdefault(text.strip())
    return list(found)


def variables_for(document: str, known: dict[str, Any]) -> dict[str, Any] | None:
    """Values for the document's variables from `known` (by name, or by name and root field for
    ids); None if a required one is unknown."""
    operation = next(
        d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)
    )
    root_fields = [s.name.value for s in operation.selection_set.selections if hasattr(s, "name")]
    values: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        type_name = print_ast(definition.type).strip("!")
        candidates = [f"{root}.{name}" for root in root_fields] + [f"{name}:{type_name}", name]
        value = next((known[c] for c in candidates if c in known), None)
        if value is not None:
            values[name] = value
        elif isinstance(definition.type, NonNullTypeNode) and definition.default_value is None:
            return None
    return values


async def seed(gql: GraphQLClient, make_tenant: Any) -> tuple[str, dict[str, Any]]:
    tenant = await make_tenant("fast", plan="enterprise")  # burst 1,000: ~2 x 100 calls
    sales = await Sales.open(gql, tenant)
    books, inventory = sales.books, sales.inventory
    entry = await books.sale("150.00", reference="CASH-1", description="counter sale")
    await books.sale("80.25", date="2026-04-02")
    widget = await inventory.product("W-1", sellingPrice="100.00")
    await inventory.product("SVC", sellingPrice="80", isStocked=False)
    warehouse = await inventory.warehouse("KL")
    stocked = await inventory.adjust(
        widget["id"], warehouse["id"], delta="10", unitCost="40", occurredOn="2026-03-01"
    )
    assert stocked["errors"] == [], stocked
    customer = await sales.customer("ACME", taxId="C20880050010", creditLimit="10000")
    invoice = await sales.posted_invoice(
        customer["id"],
        [
            {
                "productId": widget["id"],
                "warehouseId": warehouse["id"],
                "quantity": "2",
                "taxCode": "SST10",
            },
            {"description": "Installation", "quantity": "1", "unitPrice": "50"},
        ],
        issueDate="2026-03-10",
    )
    paid = await sales.pay(
        customer["id"], "100", [(invoice["id"], "100")], paymentDate="2026-03-20"
    )
    assert paid["errors"] == [], paid
    purchasing = Purchasing(inventory)
    supplier = await purchasing.supplier("SUPP")
    bill = await purchasing.bill(
        supplier["id"],
        [
            {
                "description": "Rent",
                "quantity": "1",
                "unitPrice": "500",
                "accountId": books.id("6700"),
            }
        ],
        post=True,
    )
    known: dict[str, Any] = {
        "company": books.company_id,
        "companyId": books.company_id,
        "first": 5,
        "n": 5,
        "asOf": "2026-12-31",
        "from": "2026-01-01",
        "to": "2026-12-31",
        "customer": customer["id"],
        "supplier": supplier["id"],
        "account": books.id("1110"),
        "journalEntry.id": entry["id"],
        "product.id": widget["id"],
        "invoice.id": invoice["id"],
        "customer.id": customer["id"],
        "supplier.id": supplier["id"],
        "bill.id": bill["id"],
        "company.id": books.company_id,
        "account.id": books.id("1110"),
        "warehouse.id": warehouse["id"],
    }
    return tenant.token, known


def graphql_view_schema(live_server: LiveServer) -> Any:
    for route in live_server.app.routes:
        if isinstance(route, Route) and route.path == "/graphql":
            view: Any = route.endpoint  # the app's BigLedgerGraphQL
            return view.schema
    raise AssertionError("no /graphql route")


async def test_fast_path_answers_byte_identically_to_plain_graphql_core(
    gql: GraphQLClient, make_tenant: Any, live_server: LiveServer
) -> None:
    token, known = await seed(gql, make_tenant)
    corpus = [
        (document, variables)
        for document in [*suite_queries(), *HANDWRITTEN]
        if (variables := variables_for(document, known)) is not None
    ]
    schema = graphql_view_schema(live_server)
    assert schema.execution_context_class is FastLeafExecutionContext
    planned: list[int] = []

    class CountingFast(FastLeafExecutionContext):
        def _run(self, plan: Any, source: Any) -> dict[str, Any]:
            planned.append(1)
            return super()._run(plan, source)

    async def answer(context_class: type, document: str, variables: dict[str, Any]) -> Any:
        schema.execution_context_class = context_class
        return await gql.post(document, variables, token)

    answered, differing = 0, []
    try:
        for document, variables in corpus:
            fast = await answer(CountingFast, document, variables)
            plain = await answer(StrawberryGraphQLCoreExecutionContext, document, variables)
            if fast.content != plain.content:
                # A Celery handler of the suite's worker may have changed the data between the
                # two calls (a customer's balance): a fast path bug differs again.
                fast = await answer(CountingFast, document, variables)
            if (fast.status_code, fast.content) != (plain.status_code, plain.content):
                differing.append((document, fast.content, plain.content))
            elif fast.status_code == 200 and fast.json().get("data"):
                answered += 1
    finally:
        schema.execution_context_class = FastLeafExecutionContext

    assert not differing, "fast path differs from graphql-core:\n" + "\n\n".join(
        f"{document}\n fast:  {fast_body[:400]!r}\n plain: {plain_body[:400]!r}"
        for document, fast_body, plain_body in differing[:3]
    )
    assert answered >= 30, f"only {answered} of {len(corpus)} documents answered with data"
    assert len(planned) > 100, "the fast path hardly ran: the comparison proves little"
