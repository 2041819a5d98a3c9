"""Plans through the API: FEATURE_DISABLED, LIMIT_EXCEEDED (also under concurrency), usage for
admins, and per-plan query limits (depth, aliases, tokens, cost; introspection in production)."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import httpx
import pytest
from graphql import build_schema, parse, validate
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.extensions.validation_cache import _get_validate_cache

from db.tenant_plans import set_plan
from domain.identity.plans import (
    FEATURES,
    FREE,
    PLANS,
    PROFESSIONAL,
    RESOURCE_FEATURES,
    check_limit,
    merge,
    validate_overrides,
)
from domain.shared.errors import DomainError, ErrorCode
from resolvers.root import build_schema as build_app_schema
from schema.limits import RULES, DocumentMeasure, plan_rule
from schema.permissions import Requires
from server.services import Endpoints
from server.settings import Settings
from tests.conftest import GraphQLClient, LiveServer, TenantHandle, start_server, stop_server

CREATE = """
mutation Create($name: String!) {
  createCompany(input: {name: $name}) { company { id } errors { code message field } }
}"""

USAGE = """
query {
  tenantUsage {
    subscriptionPlan companies users transactions storageBytes
    limits { maxCompanies maxUsers maxTransactions apiRateLimit storageQuota }
  }
}"""

FULL_PAGE = """
  companies(first: 100) {
    edges { cursor node { id name registrationNumber taxNumber currencyCode timezone
                          createdAt updatedAt createdBy updatedBy version } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }"""
# Two full pages of 100: 2 * (1 + 100 * (edges 14 + pageInfo 5)) = 3802.
TWO_PAGES = "query TwoPages { a: " + FULL_PAGE + " b: " + FULL_PAGE + " }"


async def company_count(engine: AsyncEngine, schema: str) -> int:
    async with engine.connect() as conn:
        return int(
            (await conn.execute(text(f'SELECT count(*) FROM "{schema}".companies'))).scalar_one()
        )


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


# --- the catalogue and the pure rules ------------------------------------------------------


def test_catalogue() -> None:
    assert set(PLANS) == {"free", "professional", "enterprise"}
    assert {"api_keys", "audit", "multi_currency"}.isdisjoint(FREE.features)
    assert PROFESSIONAL.features == FEATURES
    assert (FREE.limits.max_companies, FREE.limits.max_users, FREE.limits.api_rate_limit) == (
        1,
        3,
        300,
    )
    # The spec's gateway defaults: 1000 requests a minute, burst 100.
    assert (PROFESSIONAL.limits.api_rate_limit, PROFESSIONAL.limits.api_burst) == (1000, 100)
    order = [PLANS[n] for n in ("free", "professional", "enterprise")]
    for smaller, larger in itertools.pairwise(order):
        assert smaller.features <= larger.features
        assert smaller.limits.max_companies < larger.limits.max_companies
        assert smaller.query_limits.max_cost < larger.query_limits.max_cost
    assert set(RESOURCE_FEATURES.values()) <= FEATURES


def test_check_limit_names_the_limit() -> None:
    check_limit(FREE.limits, "maxCompanies", 0)
    with pytest.raises(DomainError) as refused:
        check_limit(FREE.limits, "maxCompanies", 1)
    [error] = refused.value.errors
    assert (error.code, error.field) == (ErrorCode.LIMIT_EXCEEDED, None)
    assert error.message == "Your plan allows 1 company (maxCompanies)."
    with pytest.raises(DomainError, match=r"Your plan allows 3 users \(maxUsers\)\."):
        check_limit(FREE.limits, "maxUsers", 2, adding=2)
    with pytest.raises(DomainError, match=r"1 GiB of storage \(storageQuota\)"):
        check_limit(FREE.limits, "storageQuota", FREE.limits.storage_quota_bytes)


def test_overrides_merge_and_are_validated() -> None:
    features, limits = merge(FREE, {"api_keys": True, "sales": False}, {"maxCompanies": 5})
    assert "api_keys" in features and "sales" not in features
    assert limits.max_companies == 5 and limits.max_users == FREE.limits.max_users
    # Stored overrides naming something since removed are ignored, not fatal.
    assert merge(FREE, {"gone": True}, {"maxGone": 1}) == (FREE.features, FREE.limits)
    with pytest.raises(DomainError) as refused:
        validate_overrides({"gone": True, "audit": "yes"}, {"maxGone": 1, "maxUsers": -1})
    assert [e.field for e in refused.value.errors] == [
        "features.gone",
        "features.audit",
        "limits.maxGone",
        "limits.maxUsers",
    ]


def test_every_domain_field_declares_its_plan_feature() -> None:
    """A free tenant must meet FEATURE_DISABLED on every field of a domain its plan lacks."""
    schema = build_app_schema()
    checked = 0
    for root in (schema.query, schema.mutation, schema.subscription):
        definition = schema.schema_converter.from_object(root.__strawberry_definition__)
        for name, field in definition.fields.items():
            strawberry_field = field.extensions["strawberry-definition"]
            for extension in strawberry_field.extensions:
                for permission in getattr(extension, "permissions", ()):
                    if isinstance(permission, Requires):
                        resource = permission.permission.partition(":")[0]
                        assert permission.feature == RESOURCE_FEATURES.get(resource), name
                        if permission.feature:
                            assert f"plan feature `{permission.feature}`" in (
                                field.description or ""
                            ), name
                        checked += 1
    assert checked >= 5


# --- FEATURE_DISABLED ----------------------------------------------------------------------


async def test_a_feature_off_refuses_its_fields_before_they_run(
    gql: GraphQLClient, engine: AsyncEngine, live_server: LiveServer, make_tenant
) -> None:  # type: ignore[no-untyped-def]
    free = await make_tenant("nofeat", plan="free")
    await set_plan(
        engine, live_server.services.redis, slug=free.slug, features={"companies": False}
    )
    for document, variables in (
        (CREATE, {"name": "Nope"}),
        ("{ companies { edges { cursor } } }", None),
    ):
        body = await gql(document, variables, free.token)
        assert codes(body) == ["FEATURE_DISABLED"], body
        error = body["errors"][0]
        assert error["extensions"]["feature"] == "companies"
        assert "`companies`" in error["message"] and "free" in error["message"]
    assert await company_count(engine, free.schema) == 0
    # Switched back on, the same call works: the check follows the tenant's current plan.
    await set_plan(engine, live_server.services.redis, slug=free.slug, features={"companies": None})
    created = (await gql.data(CREATE, {"name": "Yes"}, free.token))["createCompany"]
    assert created["errors"] == [] and await company_count(engine, free.schema) == 1


async def test_free_plan_has_no_audit_log(gql: GraphQLClient, make_tenant) -> None:  # type: ignore[no-untyped-def]
    free, pro = await make_tenant("freeaudit", plan="free"), await make_tenant("proaudit")
    query = "{ auditLog(first: 1) { edges { cursor } } }"
    body = await gql(query, token=free.token)
    assert (
        codes(body) == ["FEATURE_DISABLED"]
        and body["errors"][0]["extensions"]["feature"] == "audit"
    )
    assert "errors" not in await gql(query, token=pro.token)


# --- LIMIT_EXCEEDED ------------------------------------------------------------------------


async def test_free_plan_refuses_a_second_company(
    gql: GraphQLClient, engine: AsyncEngine, make_tenant
) -> None:  # type: ignore[no-untyped-def]
    free = await make_tenant("f", plan="free")
    first = (await gql.data(CREATE, {"name": "One"}, free.token))["createCompany"]
    assert first["errors"] == []
    second = (await gql.data(CREATE, {"name": "Two"}, free.token))["createCompany"]
    assert second == {
        "company": None,
        "errors": [
            {
                "code": "LIMIT_EXCEEDED",
                "field": None,
                "message": "Your plan allows 1 company (maxCompanies).",
            }
        ],
    }
    assert await company_count(engine, free.schema) == 1


async def test_concurrent_creates_never_exceed_the_limit(
    live_server: LiveServer, engine: AsyncEngine, make_tenant
) -> None:  # type: ignore[no-untyped-def]
    free = await make_tenant("race", plan="free")
    await set_plan(engine, live_server.services.redis, slug=free.slug, limits={"maxCompanies": 3})
    limits = httpx.Limits(max_connections=12)
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30, limits=limits) as http:
        gql = GraphQLClient(http)
        results = await asyncio.gather(
            *(gql.data(CREATE, {"name": f"Racer {i}"}, free.token) for i in range(12))
        )
    outcomes = [r["createCompany"] for r in results]
    made = [o for o in outcomes if o["company"]]
    refused = [o["errors"][0] for o in outcomes if not o["company"]]
    assert len(made) == 3 and len(refused) == 9
    assert {e["code"] for e in refused} == {"LIMIT_EXCEEDED"}
    assert {e["message"] for e in refused} == {"Your plan allows 3 companies (maxCompanies)."}
    assert await company_count(engine, free.schema) == 3


# --- usage ---------------------------------------------------------------------------------


async def test_admins_see_exact_usage_of_their_own_tenant(gql: GraphQLClient, make_tenant) -> None:  # type: ignore[no-untyped-def]
    free, other = await make_tenant("usage", plan="free"), await make_tenant("usageother")
    before = (await gql.data(USAGE, token=free.token))["tenantUsage"]
    assert before == {
        "subscriptionPlan": "free",
        "companies": 0,
        "users": 1,
        "transactions": 0,
        "storageBytes": 0.0,
        "limits": {
            "maxCompanies": 1,
            "maxUsers": 3,
            "maxTransactions": FREE.limits.max_transactions,
            "apiRateLimit": 300,
            "storageQuota": float(FREE.limits.storage_quota_bytes),
        },
    }
    await gql.data(CREATE, {"name": "Counted"}, free.token)
    for _ in range(2):
        await gql.data(CREATE, {"name": "Elsewhere"}, other.token)
    # Counted at once (not the eventually consistent usage_counters), and only this tenant's.
    assert (await gql.data(USAGE, token=free.token))["tenantUsage"]["companies"] == 1
    assert (await gql.data(USAGE, token=other.token))["tenantUsage"]["companies"] == 2


async def test_usage_needs_tenant_read(
    gql: GraphQLClient, engine: AsyncEngine, live_server: LiveServer, tenant: TenantHandle
) -> None:
    """A viewer (no tenant:read) is refused; the owner is not."""
    from db.tenancy import create_user
    from domain.identity.builtin_roles import VIEWER
    from tests.conftest import LOGIN

    email, password = f"viewer@{tenant.slug}.example", "viewer-password-123"
    user_id = await create_user(
        engine,
        tenant_slug=tenant.slug,
        email=email,
        password_hash=live_server.services.passwords.hash(password),
        cipher=live_server.services.cipher,
        role=VIEWER.name,
    )
    assert user_id
    login = await gql.data(LOGIN, {"tenant": tenant.slug, "email": email, "password": password})
    body = await gql(USAGE, token=login["login"]["accessToken"])
    assert codes(body) == ["FORBIDDEN"]
    assert "errors" not in await gql(USAGE, token=tenant.token)


# --- query limits --------------------------------------------------------------------------


async def test_cost_is_per_plan(
    gql: GraphQLClient, engine: AsyncEngine, live_server: LiveServer, make_tenant
) -> None:  # type: ignore[no-untyped-def]
    free, pro = await make_tenant("costfree", plan="free"), await make_tenant("costpro")
    body = await gql(TWO_PAGES, token=free.token)
    [error] = body["errors"]
    assert error["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "maxCost",
        "value": 3802,
        "allowed": FREE.query_limits.max_cost,
    }
    assert "costs 3802" in error["message"] and body.get("data") is None
    # The same document passes for a professional tenant...
    assert set(await gql.data(TWO_PAGES, token=pro.token)) == {"a", "b"}
    # ...and, without a token, is refused like the free plan's (then as unauthenticated).
    assert "QUERY_TOO_COMPLEX" in codes(await gql(TWO_PAGES))
    # One full page is within the free plan.
    assert (await gql.data("query {" + FULL_PAGE + "}", token=free.token))["companies"]
    # An upgrade lifts it on the next request.
    await set_plan(engine, live_server.services.redis, slug=free.slug, plan="professional")
    assert set(await gql.data(TWO_PAGES, token=free.token)) == {"a", "b"}


async def test_tokens_and_aliases_are_per_plan(gql: GraphQLClient, make_tenant) -> None:  # type: ignore[no-untyped-def]
    free, pro = await make_tenant("tokfree", plan="free"), await make_tenant("tokpro")
    # ~1,400 tokens: over the free plan's 1,000, within professional's 2,000.
    many_tokens = "query { " + " ".join(["__typename @include(if: true)"] * 200) + " }"
    refused = await gql(many_tokens, token=free.token)
    assert "1000 tokens" in refused["errors"][0]["message"], refused
    assert (await gql.data(many_tokens, token=pro.token))["__typename"] == "Query"
    twenty = "query { " + " ".join(f"a{i}: __typename" for i in range(20)) + " }"
    assert any("aliases" in e["message"] for e in (await gql(twenty, token=free.token))["errors"])
    assert len(await gql.data(twenty, token=pro.token)) == 20


async def test_plan_rules_are_built_once_and_hit_the_validation_cache(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    cache = _get_validate_cache(512)
    query = "query CacheProbe { me { user { id } } }"
    await gql.data(query, token=tenant.token)
    hits = cache.cache_info().hits
    await gql.data(query, token=tenant.token)
    assert cache.cache_info().hits == hits + 1
    assert RULES[("free", True)] is RULES[("free", True)]
    assert len({RULES[(p, True)][0] for p in PLANS}) == len(PLANS)


async def test_introspection_is_off_in_production(
    settings: Settings, endpoints: Endpoints, engine: AsyncEngine
) -> None:
    production = settings.model_copy(update={"environment": "production", "introspection": None})
    assert production.introspection_enabled is False
    live, server, task = await start_server(production, endpoints)
    try:
        async with httpx.AsyncClient(base_url=live.url, timeout=30) as http:
            gql = GraphQLClient(http)
            body = await gql("{ __schema { queryType { name } } }")
            assert body.get("data") is None
            assert any("introspection" in e["message"].lower() for e in body["errors"]), body
            refused_type = await gql('{ __type(name: "Query") { name } }')
            assert refused_type.get("data") is None
            assert (await gql.data("{ __typename }")) == {"__typename": "Query"}
    finally:
        await stop_server(server, task)


async def test_limiter_abuse_is_answered_at_once(gql: GraphQLClient) -> None:
    """Fragment fan-out (exponential for strawberry's own limiters) and an unknown fragment
    (a KeyError in them) get prompt validation errors, not a stalled loop or a 500."""
    levels = 40
    fragments = " ".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    fan_out = f"query {{ ...F0 }} {fragments} fragment F{levels} on Query {{ x: __typename }}"
    started = time.perf_counter()
    body = await gql(fan_out)
    assert time.perf_counter() - started < 2.0
    assert any(e["message"].startswith(f"{2**levels} aliases") for e in body["errors"]), body
    missing = await gql("{ ...Missing }")
    assert missing["errors"][0]["message"] == "Unknown fragment 'Missing'."


async def test_introspection_is_on_outside_production(gql: GraphQLClient) -> None:
    data = await gql.data("{ __schema { queryType { name } } }")
    assert data["__schema"]["queryType"]["name"] == "Query"


# --- the cost model on a schema with nested lists ------------------------------------------

NESTED = build_schema(
    """
    type Query { items(first: Int = 20): ItemConnection! tags: [String!]! node(id: ID!): Item }
    type ItemConnection { edges: [ItemEdge!]! total: Int! }
    type ItemEdge { node: Item! }
    type Item { id: ID! children(first: Int = 20): ItemConnection! labels: [Label!]! }
    type Label { name: String! }
    """
)


def measure(document: str) -> tuple[int, int, int]:
    from graphql import ValidationContext
    from graphql.utilities import TypeInfo

    doc = parse(document)
    context = ValidationContext(NESTED, doc, TypeInfo(NESTED), lambda error: None)
    [operation] = [d for d in doc.definitions if d.kind == "operation_definition"]
    return DocumentMeasure(context).operation(operation)  # type: ignore[arg-type]


def test_nested_lists_multiply() -> None:
    # children: 1 + 10 * (edges 1 + node (1 + id 1)) = 31
    # items: 1 + 10 * (edges 1 + node (1 + children 31)) = 331
    assert measure(
        "{ items(first: 10) { edges { node { children(first: 10) { edges { node { id } } } } } } }"
    ) == (6, 0, 331)
    # Absent `first`: the argument's default (20); a variable: the largest page (100);
    # more than 100: 100 (resolvers refuse more).
    assert measure("{ items { total } }")[2] == 1 + 20 * 1
    assert measure("query($n: Int) { items(first: $n) { total } }")[2] == 1 + 100 * 1
    assert measure("{ items(first: 100000) { total } }")[2] == 1 + 100 * 1
    # A list without `first` outside a page counts as the largest page.
    assert measure("{ node(id: 1) { labels { name } } }")[2] == 1 + (1 + 100 * 1)
    # Scalars lists are one field; introspection costs nothing.
    assert measure("{ tags __typename __schema { types { name } } }")[2] == 1


def test_fragments_are_measured_once_however_often_spread() -> None:
    levels = 60  # strawberry's own limiters would walk 2**60 spreads
    fragments = "\n".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    document = parse(
        "query { ...F0 }\n" + fragments + f"\nfragment F{levels} on Query {{ x: __typename }}"
    )
    started = time.perf_counter()
    errors = validate(NESTED, document, [plan_rule(PROFESSIONAL)])
    assert time.perf_counter() - started < 1.0
    # The aliases a fragment holds count once per expansion (GHSA-fr49-mhgj-crfc).
    assert [e.extensions["limit"] for e in errors] == ["maxAliases"]  # type: ignore[index]
    assert errors[0].extensions["value"] == 2**levels  # type: ignore[index]


def test_broken_documents_do_not_break_the_rule() -> None:
    for document in (
        "{ ...Missing }",
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        "{ items { nope { deeper } } }",
        "{ ... on Nowhere { id } }",
    ):
        errors = validate(NESTED, parse(document), [plan_rule(FREE)])
        assert all(e.extensions.get("code") != "QUERY_TOO_COMPLEX" for e in errors)  # type: ignore[union-attr]


def test_depth_is_per_plan() -> None:
    def nest(levels: int) -> str:
        inner = "edges { node { children(first: 1) { " * levels + "total" + " } } }" * levels
        return "{ items(first: 1) { " + inner + " } }"

    assert measure(nest(2)) == (7, 0, 8)
    assert measure(nest(3))[0] == 10  # over the free plan's 8, within professional's 12
    refused = validate(NESTED, parse(nest(3)), [plan_rule(FREE)])
    assert [e.extensions["limit"] for e in refused] == ["maxDepth"]  # type: ignore[index]
    assert "exceeds maximum operation depth of 8" in refused[0].message
    assert validate(NESTED, parse(nest(3)), [plan_rule(PROFESSIONAL)]) == []
