"""Role-based access through the API: roles, inheritance, company access, conditions, escalation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from domain.identity.builtin_roles import ACCOUNTANT, ADMIN, OWNER, VIEWER
from tests.conftest import GraphQLClient, TenantHandle

INVITE = """
mutation($input: InviteUserInput!) {
  inviteUser(input: $input) { userId invitationToken errors { code message field } }
}"""
ACCEPT = """
mutation($tenant: String!, $email: String!, $token: String!, $password: String!) {
  acceptInvitation(tenant: $tenant, email: $email, invitationToken: $token, password: $password) {
    accessToken errors { code message field }
  }
}"""
CREATE_ROLE = """
mutation($input: CreateRoleInput!) {
  createRole(input: $input) { role { id name version inherits } errors { code message field } }
}"""
UPDATE_ROLE = """
mutation($input: UpdateRoleInput!) {
  updateRole(input: $input) { role { id version } errors { code message field } }
}"""
ASSIGN = """
mutation($user: ID!, $role: ID!) {
  assignRole(userId: $user, roleId: $role) { ok errors { code message } }
}"""
GRANT = """
mutation($input: GrantCompanyAccessInput!) {
  grantCompanyAccess(input: $input) { ok errors { code message field } }
}"""
CREATE_COMPANY = """
mutation($name: String!) {
  createCompany(input: {name: $name}) { company { id version } errors { code message } }
}"""
UPDATE_COMPANY = """
mutation($id: ID!, $version: Int!, $name: String!) {
  updateCompany(input: {id: $id, version: $version, name: $name}) {
    company { name version } errors { code message }
  }
}"""
COMPANIES = "{ companies(first: 100) { edges { node { id name } } } }"


@dataclass
class Member:
    id: str
    email: str
    token: str


async def invite(
    gql: GraphQLClient, tenant: TenantHandle, *, roles: tuple[uuid.UUID, ...] = (),
    companies: tuple[str, ...] = (), company_roles: tuple[uuid.UUID, ...] = (),
    by: str | None = None,
) -> Member:  # fmt: skip
    email = f"user-{uuid.uuid4().hex[:8]}@{tenant.slug}.example"
    access = [{"companyId": c, "roleIds": [str(r) for r in company_roles]} for c in companies]
    result = (
        await gql.data(
            INVITE,
            {
                "input": {
                    "email": email,
                    "roleIds": [str(r) for r in roles],
                    "companyAccess": access,
                }
            },
            by or tenant.token,
        )
    )["inviteUser"]
    assert result["errors"] == [], result
    accepted = (
        await gql.data(
            ACCEPT,
            {"tenant": tenant.slug, "email": email, "token": result["invitationToken"],
             "password": "correct horse battery"},
        )
    )["acceptInvitation"]  # fmt: skip
    assert accepted["errors"] == []
    return Member(result["userId"], email, accepted["accessToken"])


async def company(gql: GraphQLClient, token: str, name: str) -> dict:
    return (await gql.data(CREATE_COMPANY, {"name": name}, token))["createCompany"]


async def test_builtin_roles_are_there_and_owner_is_the_admin(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    data = await gql.data(
        "{ roles { name builtin } myAccess { allCompanies } }", token=tenant.token
    )
    assert {r["name"] for r in data["roles"] if r["builtin"]} == {
        "owner", "admin", "accountant", "sales", "purchasing", "warehouse", "viewer"
    }  # fmt: skip
    assert data["myAccess"]["allCompanies"] is True


async def test_company_access_limits_what_a_user_sees_and_does(
    gql: GraphQLClient, tenant: TenantHandle, engine
) -> None:  # type: ignore[no-untyped-def]
    a = (await company(gql, tenant.token, "Company A"))["company"]
    b = (await company(gql, tenant.token, "Company B"))["company"]
    clerk = await invite(gql, tenant, companies=(a["id"],), company_roles=(ACCOUNTANT.id,))

    listed = await gql.data(COMPANIES, token=clerk.token)
    assert [e["node"]["name"] for e in listed["companies"]["edges"]] == ["Company A"]
    seen = await gql.data(
        "query($id: ID!) { company(id: $id) { id } }", {"id": b["id"]}, clerk.token
    )
    assert seen["company"] is None  # B does not exist as far as the clerk can tell

    # an accountant reads companies but may not change them: refused before the resolver runs
    for target in (a, b):
        body = await gql(
            UPDATE_COMPANY, {"id": target["id"], "version": 1, "name": "x"}, clerk.token
        )
        assert body["data"] is None
        assert body["errors"][0]["extensions"] == {
            "code": "FORBIDDEN",
            "permission": "company:update",
        }

    body = await gql(CREATE_COMPANY, {"name": "Sneaky"}, clerk.token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with engine.connect() as conn:
        names = set(
            (await conn.execute(text(f'SELECT name FROM "{tenant.schema}".companies'))).scalars()
        )
    assert names == {"Company A", "Company B"}  # the refused calls changed nothing


async def test_inheritance_cycles_are_refused(gql: GraphQLClient, tenant: TenantHandle) -> None:
    first = (
        await gql.data(CREATE_ROLE, {"input": {"name": "Clerk", "inherits": [str(VIEWER.id)]}},
                       tenant.token)
    )["createRole"]["role"]  # fmt: skip
    second = (
        await gql.data(CREATE_ROLE, {"input": {"name": "Senior Clerk", "inherits": [first["id"]]}},
                       tenant.token)
    )["createRole"]["role"]  # fmt: skip
    looped = (
        await gql.data(
            UPDATE_ROLE, {"input": {"id": first["id"], "version": 1, "inherits": [second["id"]]}},
            tenant.token,
        )
    )["updateRole"]  # fmt: skip
    assert looped["role"] is None
    [error] = looped["errors"]
    assert error["field"] == "inherits" and "Clerk → Senior Clerk → Clerk" in error["message"]


async def test_unknown_permissions_are_field_errors(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    result = (
        await gql.data(
            CREATE_ROLE,
            {"input": {"name": "Odd", "permissions": [
                {"resource": "company", "action": "read"},
                {"resource": "spaceship", "action": "fly"},
                {"resource": "journal", "action": "fly"},
            ]}},
            tenant.token,
        )
    )["createRole"]  # fmt: skip
    assert [e["field"] for e in result["errors"]] == ["permissions.1", "permissions.2"]


async def test_own_records_condition(gql: GraphQLClient, tenant: TenantHandle) -> None:
    role = (
        await gql.data(
            CREATE_ROLE,
            {"input": {"name": "Self Service", "permissions": [
                {"resource": "company", "action": "create"},
                {"resource": "company", "action": "read"},
                {"resource": "company", "action": "update",
                 "conditions": [{"kind": "OWN_RECORDS"}]},
            ]}},
            tenant.token,
        )
    )["createRole"]["role"]  # fmt: skip
    theirs = (await company(gql, tenant.token, "Owner's"))["company"]
    elsewhere = (await company(gql, tenant.token, "Elsewhere"))["company"]
    member = await invite(gql, tenant, roles=(uuid.UUID(role["id"]),))
    mine = (await company(gql, member.token, "Mine"))["company"]
    await gql.data(GRANT, {"input": {"userId": member.id, "companyId": theirs["id"]}}, tenant.token)

    ok = await gql.data(
        UPDATE_COMPANY, {"id": mine["id"], "version": 1, "name": "Mine 2"}, member.token
    )
    assert ok["updateCompany"]["errors"] == []
    refused = await gql.data(
        UPDATE_COMPANY, {"id": theirs["id"], "version": 1, "name": "Hijacked"}, member.token
    )
    [error] = refused["updateCompany"]["errors"]
    assert error["code"] == "FORBIDDEN" and "records you created" in error["message"]
    # a company they were never let into does not exist for them
    unseen = await gql.data(
        UPDATE_COMPANY, {"id": elsewhere["id"], "version": 1, "name": "x"}, member.token
    )
    assert [e["code"] for e in unseen["updateCompany"]["errors"]] == ["NOT_FOUND"]


async def test_nobody_escalates_their_own_access(gql: GraphQLClient, tenant: TenantHandle) -> None:
    admin = await invite(gql, tenant, roles=(ADMIN.id,))
    # an admin cannot mint owners, nor give themselves anything
    to_owner = await gql.data(ASSIGN, {"user": admin.id, "role": str(OWNER.id)}, admin.token)
    assert to_owner["assignRole"]["errors"][0]["code"] == "FORBIDDEN"
    clerk = await invite(gql, tenant, roles=(VIEWER.id,), by=admin.token)
    make_owner = await gql.data(ASSIGN, {"user": clerk.id, "role": str(OWNER.id)}, admin.token)
    assert make_owner["assignRole"]["errors"][0]["code"] == "FORBIDDEN"
    # a role-assigner without accounting rights cannot hand out the accountant role
    lead = (
        await gql.data(CREATE_ROLE, {"input": {"name": "Team Lead", "permissions": [
            {"resource": "role", "action": "assign"}, {"resource": "company", "action": "read"},
        ]}}, tenant.token)
    )["createRole"]["role"]  # fmt: skip
    team_lead = await invite(gql, tenant, roles=(uuid.UUID(lead["id"]),))
    grab = await gql.data(ASSIGN, {"user": clerk.id, "role": str(ACCOUNTANT.id)}, team_lead.token)
    assert grab["assignRole"]["errors"][0]["code"] == "FORBIDDEN"
    self_grant = await gql.data(
        ASSIGN, {"user": team_lead.id, "role": str(VIEWER.id)}, team_lead.token
    )
    assert self_grant["assignRole"]["errors"][0]["code"] == "FORBIDDEN"
    roles = await gql.data("{ users { id roleIds } }", token=tenant.token)
    by_id = {u["id"]: set(u["roleIds"]) for u in roles["users"]}
    assert by_id[clerk.id] == {str(VIEWER.id)}
    assert by_id[team_lead.id] == {lead["id"]}


async def test_deactivated_users_lose_access_at_once(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    member = await invite(gql, tenant, roles=(VIEWER.id,))
    assert (await gql.data("{ me { user { email } } }", token=member.token))["me"]["user"]["email"]
    done = await gql.data(
        "mutation($u: ID!) { deactivateUser(userId: $u) { ok errors { code } } }",
        {"u": member.id}, tenant.token,
    )  # fmt: skip
    assert done["deactivateUser"]["ok"] is True
    body = await gql("{ me { user { email } } }", token=member.token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "deactivated" in body["errors"][0]["message"]


async def test_other_tenants_users_and_roles_are_out_of_reach(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    stranger = await invite(gql, other_tenant, roles=(VIEWER.id,))
    result = await gql.data(ASSIGN, {"user": stranger.id, "role": str(VIEWER.id)}, tenant.token)
    assert result["assignRole"]["errors"][0]["code"] == "NOT_FOUND"
    users = await gql.data("{ users { email } }", token=tenant.token)
    assert stranger.email not in {u["email"] for u in users["users"]}


async def test_invitations_work_once(gql: GraphQLClient, tenant: TenantHandle) -> None:
    email = f"once-{uuid.uuid4().hex[:6]}@x.example"
    invited = (await gql.data(INVITE, {"input": {"email": email}}, tenant.token))["inviteUser"]
    variables = {"tenant": tenant.slug, "email": email, "token": invited["invitationToken"],
                 "password": "long enough pw"}  # fmt: skip
    login = (await gql.data(ACCEPT, variables))["acceptInvitation"]
    assert login["errors"] == []
    again = (await gql.data(ACCEPT, variables))["acceptInvitation"]
    assert again["errors"][0]["code"] == "UNAUTHENTICATED"
    dup = (await gql.data(INVITE, {"input": {"email": email}}, tenant.token))["inviteUser"]
    assert dup["errors"][0]["code"] == "DUPLICATE"


@pytest.mark.parametrize("password", ["short", ""])
async def test_weak_passwords_are_refused(
    gql: GraphQLClient, tenant: TenantHandle, password: str
) -> None:
    email = f"weak-{uuid.uuid4().hex[:6]}@x.example"
    invited = (await gql.data(INVITE, {"input": {"email": email}}, tenant.token))["inviteUser"]
    result = (
        await gql.data(ACCEPT, {"tenant": tenant.slug, "email": email,
                                "token": invited["invitationToken"], "password": password})
    )["acceptInvitation"]  # fmt: skip
    assert result["errors"][0]["field"] == "password"
