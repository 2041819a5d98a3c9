"""API keys through the API: shown once, stored as a hash, limited to their permissions and to
what their creator holds, revocable, last use noted, confined to their tenant."""

from __future__ import annotations

import hashlib
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.identity.access import (
    AccessGrants,
    Condition,
    ConditionKind,
    Forbidden,
    Permission,
    RecordFacts,
)
from domain.identity.api_keys import restrict
from domain.identity.builtin_roles import ADMIN, VIEWER
from tests.conftest import GraphQLClient, TenantHandle, eventually

KEY_FIELDS = "id name prefix createdBy createdAt lastUsedAt revokedAt active " \
    "permissions { resource action conditions { kind value } }"  # fmt: skip
CREATE_KEY = f"""
mutation($input: CreateApiKeyInput!) {{
  createApiKey(input: $input) {{ apiKey {{ {KEY_FIELDS} }} secret errors {{ code message field }} }}
}}"""
REVOKE_KEY = f"""
mutation($id: ID!) {{
  revokeApiKey(id: $id) {{ apiKey {{ {KEY_FIELDS} }} errors {{ code message field }} }}
}}"""
LIST_KEYS = f"{{ apiKeys {{ {KEY_FIELDS} }} }}"
COMPANIES = "{ companies(first: 100) { edges { node { id name } } } }"
CREATE_COMPANY = """
mutation($name: String!) {
  createCompany(input: {name: $name}) { company { id name } errors { code message } }
}"""
ME = "{ me { user { id } tenant { id slug } } }"
CREATE_ROLE = """
mutation($input: CreateRoleInput!) {
  createRole(input: $input) { role { id } errors { code message field } }
}"""
INVITE = """
mutation($input: InviteUserInput!) {
  inviteUser(input: $input) { userId invitationToken errors { code message field } }
}"""
ACCEPT = """
mutation($tenant: String!, $email: String!, $token: String!, $password: String!) {
  acceptInvitation(tenant: $tenant, email: $email, invitationToken: $token, password: $password) {
    accessToken errors { code message }
  }
}"""
ASSIGN = """
mutation($user: ID!, $role: ID!, $remove: Boolean!) {
  assignRole(userId: $user, roleId: $role, remove: $remove) { ok errors { code message } }
}"""
DEACTIVATE = "mutation($user: ID!) { deactivateUser(userId: $user) { ok errors { code message } } }"


def perms(*specs: str) -> list[dict[str, Any]]:
    return [{"resource": s.split(":")[0], "action": s.split(":")[1]} for s in specs]


async def create_key(
    gql: GraphQLClient, token: str, *specs: str, name: str = "integration"
) -> dict[str, Any]:
    data = await gql.data(
        CREATE_KEY, {"input": {"name": name, "permissions": perms(*specs)}}, token
    )
    return data["createApiKey"]


async def new_key(gql: GraphQLClient, token: str, *specs: str) -> tuple[dict[str, Any], str]:
    result = await create_key(gql, token, *specs)
    assert result["errors"] == [], result
    return result["apiKey"], result["secret"]


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


async def company_names(gql: GraphQLClient, token: str) -> set[str]:
    data = await gql.data(COMPANIES, token=token)
    return {e["node"]["name"] for e in data["companies"]["edges"]}


async def member(gql: GraphQLClient, tenant: TenantHandle, *role_ids: str) -> tuple[str, str]:
    """Invite a user with tenant-wide roles and sign them in: (user id, access token)."""
    email = f"member-{uuid.uuid4().hex[:8]}@{tenant.slug}.example"
    invited = (
        await gql.data(INVITE, {"input": {"email": email, "roleIds": list(role_ids)}}, tenant.token)
    )["inviteUser"]
    assert invited["errors"] == [], invited
    accepted = (
        await gql.data(
            ACCEPT,
            {"tenant": tenant.slug, "email": email, "token": invited["invitationToken"],
             "password": "correct horse battery"},
        )
    )["acceptInvitation"]  # fmt: skip
    assert accepted["errors"] == [], accepted
    return invited["userId"], accepted["accessToken"]


async def test_key_is_shown_once_stored_as_a_hash_and_works_as_bearer(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    await gql.data(CREATE_COMPANY, {"name": "Keyed Co"}, tenant.token)
    key, secret = await new_key(gql, tenant.token, "company:read", "profile:read")

    assert secret.startswith("blg_live_sk_") and len(secret) == len("blg_live_sk_") + 43
    assert key["prefix"] == secret[:16] and key["name"] == "integration"
    assert key["createdBy"] == str(tenant.admin_id)
    assert key["active"] is True and key["revokedAt"] is None and key["lastUsedAt"] is None
    assert {(p["resource"], p["action"]) for p in key["permissions"]} == {
        ("company", "read"), ("profile", "read")
    }  # fmt: skip

    # Listing never shows the secret again.
    listing = await gql(LIST_KEYS, token=tenant.token)
    assert [k["id"] for k in listing["data"]["apiKeys"]] == [key["id"]]
    assert secret not in str(listing) and secret[16:] not in str(listing)

    # Only its SHA-256 is stored, and the secret is nowhere in the database (events, audit...).
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT secret_hash, prefix FROM shared.api_keys WHERE id = :id"),
                {"id": key["id"]},
            )
        ).one()
        assert bytes(row.secret_hash) == hashlib.sha256(secret.encode()).digest()
        tables = (
            await conn.execute(
                text(
                    "SELECT table_schema, table_name FROM information_schema.tables "
                    "WHERE table_type = 'BASE TABLE' AND table_schema IN ('shared', :schema)"
                ),
                {"schema": tenant.schema},
            )
        ).all()
        for schema, table in tables:
            leaked = (
                await conn.execute(
                    text(f'SELECT count(*) FROM "{schema}"."{table}" t WHERE t::text LIKE :s'),
                    {"s": f"%{secret[16:]}%"},
                )
            ).scalar_one()
            assert leaked == 0, f"the secret is stored in {schema}.{table}"

    # It works as a Bearer token, acting as its creator inside the tenant.
    me = (await gql.data(ME, token=secret))["me"]
    assert me["user"] == {"id": str(tenant.admin_id)}
    assert me["tenant"] == {"id": str(tenant.id), "slug": tenant.slug}
    assert await company_names(gql, secret) == {"Keyed Co"}


async def test_a_key_is_limited_to_its_permissions(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    _key, secret = await new_key(gql, tenant.token, "company:read")

    body = await gql(CREATE_COMPANY, {"name": "Sneaky"}, secret)
    assert body["data"] is None or body["data"]["createCompany"] is None
    assert error_codes(body) == ["FORBIDDEN"]
    assert "Sneaky" not in await company_names(gql, tenant.token)  # nothing was written

    # Nor may it read or make keys, or see who it is: none of that was given.
    for query in (LIST_KEYS, ME):
        assert error_codes(await gql(query, token=secret)) == ["FORBIDDEN"]
    body = await gql(CREATE_KEY, {"input": {"name": "x", "permissions": perms("company:read")}},
                     secret)  # fmt: skip
    assert error_codes(body) == ["FORBIDDEN"]


async def test_revoked_key_is_refused_at_once(gql: GraphQLClient, tenant: TenantHandle) -> None:
    key, secret = await new_key(gql, tenant.token, "company:read")
    assert await company_names(gql, secret) == set()

    revoked = (await gql.data(REVOKE_KEY, {"id": key["id"]}, tenant.token))["revokeApiKey"]
    assert revoked["errors"] == []
    assert revoked["apiKey"]["revokedAt"] is not None and revoked["apiKey"]["active"] is False

    body = await gql(COMPANIES, token=secret)
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "revoked" in body["errors"][0]["message"]

    again = (await gql.data(REVOKE_KEY, {"id": key["id"]}, tenant.token))["revokeApiKey"]
    assert again["errors"] == []
    assert again["apiKey"]["revokedAt"] == revoked["apiKey"]["revokedAt"]  # unchanged

    listing = (await gql.data(LIST_KEYS, token=tenant.token))["apiKeys"]
    assert [(k["id"], k["active"]) for k in listing] == [(key["id"], False)]


async def test_unknown_or_malformed_keys_are_unauthenticated(gql: GraphQLClient) -> None:
    for token in ("blg_live_sk_" + "A" * 43, "blg_live_sk_short", "blg_" + "x" * 60):
        body = await gql(COMPANIES, token=token)
        assert error_codes(body) == ["UNAUTHENTICATED"], body
        assert "Traceback" not in str(body)


async def test_last_use_is_noted(gql: GraphQLClient, tenant: TenantHandle) -> None:
    key, secret = await new_key(gql, tenant.token, "company:read")
    await company_names(gql, secret)

    async def noted() -> str | None:
        listing = (await gql.data(LIST_KEYS, token=tenant.token))["apiKeys"]
        return next(k["lastUsedAt"] for k in listing if k["id"] == key["id"])

    last_used = await eventually(noted, timeout=5)
    assert last_used is not None and last_used >= key["createdAt"]


async def test_keys_stay_inside_their_tenant(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    await gql.data(CREATE_COMPANY, {"name": "Mine"}, tenant.token)
    await gql.data(CREATE_COMPANY, {"name": "Theirs"}, other_tenant.token)
    mine, my_secret = await new_key(gql, tenant.token, "company:read", "apikey:read")
    theirs, their_secret = await new_key(gql, other_tenant.token, "company:read", "apikey:read")

    assert await company_names(gql, my_secret) == {"Mine"}
    assert await company_names(gql, their_secret) == {"Theirs"}
    assert [k["id"] for k in (await gql.data(LIST_KEYS, token=their_secret))["apiKeys"]] == [
        theirs["id"]
    ]

    # Another tenant cannot revoke (or even find) my key; it keeps working.
    result = (await gql.data(REVOKE_KEY, {"id": mine["id"]}, other_tenant.token))["revokeApiKey"]
    assert result["apiKey"] is None
    assert [e["code"] for e in result["errors"]] == ["NOT_FOUND"]
    assert await company_names(gql, my_secret) == {"Mine"}


async def test_no_key_carries_more_than_its_creator_holds(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    role = (
        await gql.data(
            CREATE_ROLE,
            {"input": {"name": "Integrator", "permissions": perms(
                "apikey:create", "apikey:read", "profile:read")}},
            tenant.token,
        )
    )["createRole"]  # fmt: skip
    assert role["errors"] == [], role
    _user, token = await member(gql, tenant, role["role"]["id"])

    for wanted in (("company:create",), ("*:*",), ("profile:read", "user:invite")):
        refused = await create_key(gql, token, *wanted)
        assert refused["apiKey"] is None and refused["secret"] is None
        assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"], refused
    listing = (await gql.data(LIST_KEYS, token=tenant.token))["apiKeys"]
    assert listing == []  # nothing was created

    # What the user holds is fine; and a key cannot mint a wider key either.
    _key, secret = await new_key(gql, token, "apikey:create", "profile:read")
    widened = await create_key(gql, secret, "apikey:create", "apikey:read")
    assert [e["code"] for e in widened["errors"]] == ["FORBIDDEN"]
    narrower = await create_key(gql, secret, "profile:read")
    assert narrower["errors"] == []


async def test_a_key_shrinks_with_its_creator_and_stops_when_they_are_deactivated(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    user_id, token = await member(gql, tenant, str(ADMIN.id))
    _key, secret = await new_key(gql, token, "company:read", "company:create")
    created = (await gql.data(CREATE_COMPANY, {"name": "While admin"}, secret))["createCompany"]
    assert created["errors"] == []

    # The creator is demoted to viewer: the key keeps its list, but gets only what they hold.
    for role, remove in ((VIEWER.id, False), (ADMIN.id, True)):
        done = await gql.data(
            ASSIGN, {"user": user_id, "role": str(role), "remove": remove}, tenant.token
        )
        assert done["assignRole"]["errors"] == [], done
    body = await gql(CREATE_COMPANY, {"name": "After demotion"}, secret)
    assert error_codes(body) == ["FORBIDDEN"]

    deactivated = await gql.data(DEACTIVATE, {"user": user_id}, tenant.token)
    assert deactivated["deactivateUser"]["errors"] == []
    body = await gql(COMPANIES, token=secret)
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "deactivated" in body["errors"][0]["message"]
    assert await company_names(gql, tenant.token) == {"While admin"}


def test_key_grants_are_the_meet_of_its_permissions_and_the_creators() -> None:
    """Wildcards narrow to what the creator holds, per company, with the creator's conditions."""
    company_a, company_b, user = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    capped = Permission.of("invoice:create", Condition(ConditionKind.AMOUNT_AT_MOST, Decimal(100)))
    creator = AccessGrants(
        user_id=user,
        tenant_permissions=(Permission.of("company:read"), Permission.of("apikey:*")),
        all_companies=False,
        companies={company_a: (capped,), company_b: ()},
    )

    everything = restrict(creator, [Permission.of("*:*")])
    assert everything.allows("company", "read", company_b)
    assert everything.allows("apikey", "revoke")
    assert everything.allows("invoice", "create", company_a)
    assert not everything.allows("invoice", "create", company_b)
    assert not everything.allows("company", "create", company_a)
    everything.check(
        "invoice", "create", company_id=company_a, facts=RecordFacts(amount=Decimal(99))
    )
    with pytest.raises(Forbidden):
        everything.check(
            "invoice", "create", company_id=company_a, facts=RecordFacts(amount=Decimal(101))
        )

    invoices = restrict(creator, [Permission.of("invoice:*"), Permission.of("apikey:read")])
    assert invoices.allows("invoice", "create", company_a)
    assert invoices.allows("apikey", "read") and not invoices.allows("apikey", "create")
    assert not invoices.allows("company", "read", company_a)
    assert invoices.visible_companies() == {company_a, company_b}  # no more than the creator's

    unrelated = restrict(creator, [Permission.of("journal:post")])
    assert not any(
        unrelated.allows(r, a, c) for r, a in (("journal", "post"), ("company", "read"))
        for c in (None, company_a)
    )  # fmt: skip
