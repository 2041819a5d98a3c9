"""Delegation through the API: every path that grants rights (inviteUser, assignRole,
grantCompanyAccess) hands on only what the granter holds, where the granter holds it."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from domain.identity.builtin_roles import ACCOUNTANT, ADMIN, OWNER, VIEWER
from tests.accounting.api import ACCEPT, CREATE_ENTRY, CREATE_ROLE, Books, custom_role
from tests.conftest import GraphQLClient, TenantHandle

INVITE = """
mutation($input: InviteUserInput!) {
  inviteUser(input: $input) { userId invitationToken errors { code message field } }
}"""
ASSIGN = """
mutation($user: ID!, $role: ID!) {
  assignRole(userId: $user, roleId: $role) { ok errors { code message field } }
}"""
GRANT = """
mutation($input: GrantCompanyAccessInput!) {
  grantCompanyAccess(input: $input) { ok errors { code message field } }
}"""
USERS = "{ users { id email roleIds companyAccess { companyId roleIds } } }"
POSTER = [{"resource": "journal", "action": "create"}, {"resource": "journal", "action": "post"}]
CLERK = [
    {"resource": "user", "action": "invite"},
    {"resource": "user", "action": "read"},
    {"resource": "role", "action": "read"},
    {"resource": "role", "action": "assign"},
]


async def codes(gql: GraphQLClient, query: str, variables: dict[str, Any], token: str) -> list:
    """Error codes of a call, whether refused before the resolver or in the payload."""
    body = await gql(query, variables, token)
    found = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
    for payload in (body.get("data") or {}).values():
        if isinstance(payload, dict):
            found += [e["code"] for e in payload.get("errors") or []]
    return found


async def post_sale(gql: GraphQLClient, books: Books, token: str) -> list:
    lines = [("1110", "debit", "10.00"), ("4100", "credit", "10.00")]
    variables = {"input": {
        "companyId": books.company_id, "postingDate": "2026-03-15", "post": True,
        "lines": [{"accountId": books.id(code), side: amount} for code, side, amount in lines],
    }}  # fmt: skip
    return await codes(gql, CREATE_ENTRY, variables, token)


def access(company: str, *roles: object) -> dict[str, Any]:
    return {"companyId": company, "roleIds": [str(r) for r in roles]}


async def invite_as(
    gql: GraphQLClient, token: str, *, roles: tuple[object, ...] = (), companies: list | None = None
) -> dict[str, Any]:
    email = f"invitee-{uuid.uuid4().hex[:8]}@example.com"
    variables = {"input": {"email": email, "roleIds": [str(r) for r in roles],
                           "companyAccess": companies or []}}  # fmt: skip
    result = (await gql.data(INVITE, variables, token))["inviteUser"]
    return result | {"email": email}


async def member(
    gql: GraphQLClient,
    tenant: TenantHandle,
    *,
    roles: tuple[object, ...] = (),
    companies: list | None = None,
) -> tuple[str, str]:
    """A user invited by the owner, signed in: (user id, access token)."""
    invited = await invite_as(gql, tenant.token, roles=roles, companies=companies)
    assert invited["errors"] == [], invited
    accepted = (await gql.data(ACCEPT, {
        "tenant": tenant.slug, "email": invited["email"], "token": invited["invitationToken"],
        "password": "correct horse battery",
    }))["acceptInvitation"]  # fmt: skip
    assert accepted["errors"] == [], accepted
    return invited["userId"], accepted["accessToken"]


async def users_by_email(gql: GraphQLClient, tenant: TenantHandle) -> dict[str, dict[str, Any]]:
    return {u["email"]: u for u in (await gql.data(USERS, token=tenant.token))["users"]}


async def test_an_invitation_carries_no_role_the_inviter_lacks_tenant_wide(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    """Item (a): a clerk who keeps the books in company 1 and only reads company 2 cannot invite
    a tenant-wide journal poster into company 2."""
    one, two = await Books.open(gql, tenant), await Books.open(gql, tenant)
    clerk_role = await custom_role(gql, tenant, "Clerk", CLERK[:3])
    poster = await custom_role(gql, tenant, "Poster", POSTER)
    _, clerk = await member(gql, tenant, roles=(clerk_role,), companies=[
        access(one.company_id, ACCOUNTANT.id), access(two.company_id, VIEWER.id)
    ])  # fmt: skip
    assert "FORBIDDEN" in await post_sale(gql, two, clerk)  # the clerk only reads company 2

    sneaky = await invite_as(gql, clerk, roles=(poster,), companies=[access(two.company_id)])
    assert sneaky["userId"] is None and sneaky["invitationToken"] is None
    assert [e["code"] for e in sneaky["errors"]] == ["FORBIDDEN"]
    assert sneaky["email"] not in await users_by_email(gql, tenant)  # nothing stored

    # What the clerk does hold, where they hold it, they may hand on.
    fair = await invite_as(
        gql, clerk,
        companies=[access(one.company_id, ACCOUNTANT.id), access(two.company_id, VIEWER.id)],
    )  # fmt: skip
    assert fair["errors"] == [] and fair["userId"]


async def test_an_admin_cannot_make_an_owner_of_one_company_by_invitation(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    """Item (b): grantCompanyAccess refuses a non-owner handing on the owner role for one
    company; inviteUser refuses it the same way."""
    one = await Books.open(gql, tenant, year_start=None)
    _, admin = await member(gql, tenant, roles=(ADMIN.id,))
    crowned = await invite_as(gql, admin, companies=[access(one.company_id, OWNER.id)])
    assert [e["code"] for e in crowned["errors"]] == ["FORBIDDEN"]
    assert "owner" in crowned["errors"][0]["message"]
    assert crowned["email"] not in await users_by_email(gql, tenant)
    # the owner may
    by_owner = await invite_as(gql, tenant.token, companies=[access(one.company_id, OWNER.id)])
    assert by_owner["errors"] == []


async def test_unknown_roles_are_typed_errors_never_stored(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    """Item (c): role ids that are not the tenant's are refused as NOT_FOUND, on their field."""
    one = await Books.open(gql, tenant, year_start=None)
    ghost = uuid.uuid4()
    in_company = await invite_as(gql, tenant.token, companies=[access(one.company_id, ghost)])
    assert [(e["code"], e["field"]) for e in in_company["errors"]] == [
        ("NOT_FOUND", "companyAccess.0.roleIds")
    ]
    tenant_wide = await invite_as(gql, tenant.token, roles=(ghost,))
    assert [(e["code"], e["field"]) for e in tenant_wide["errors"]] == [("NOT_FOUND", "roleIds")]
    users = await users_by_email(gql, tenant)
    assert in_company["email"] not in users and tenant_wide["email"] not in users

    member_id, _ = await member(gql, tenant)
    granted = await gql.data(
        GRANT, {"input": {"userId": member_id, "companyId": one.company_id,
                          "roleIds": [str(ghost)]}}, tenant.token,
    )  # fmt: skip
    assert [e["code"] for e in granted["grantCompanyAccess"]["errors"]] == ["NOT_FOUND"]
    [after] = [u for u in (await users_by_email(gql, tenant)).values() if u["id"] == member_id]
    assert after["companyAccess"] == []


async def test_rights_reach_only_companies_where_the_granter_holds_them(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    """Letting a user into a company carries their tenant-wide roles in with them, and a
    tenant-wide role reaches the companies they were let into: neither may give them there
    what the granter does not hold there."""
    one, two = await Books.open(gql, tenant), await Books.open(gql, tenant)
    gatekeeper_role = await custom_role(gql, tenant, "Gatekeeper", CLERK)
    poster_role = await custom_role(gql, tenant, "Poster", POSTER)
    # viewer in company 2 and the right to assign roles
    _, gatekeeper = await member(
        gql, tenant, roles=(gatekeeper_role,), companies=[access(two.company_id, VIEWER.id)]
    )
    # an accountant everywhere they are let in — which is nowhere yet
    accountant_id, accountant = await member(gql, tenant, roles=(ACCOUNTANT.id,))
    let_in = {"input": {"userId": accountant_id, "companyId": two.company_id}}
    assert await codes(gql, GRANT, let_in, gatekeeper) == ["FORBIDDEN"]
    assert "FORBIDDEN" in await post_sale(gql, two, accountant)

    # posts tenant-wide, but may enter company 1 only; the member reads company 2
    poster_assigner = await custom_role(
        gql, tenant, "Poster assigner", [*POSTER, {"resource": "role", "action": "assign"}]
    )
    _, assigner = await member(
        gql, tenant, roles=(poster_assigner,), companies=[access(one.company_id, VIEWER.id)]
    )
    reader_id, reader = await member(gql, tenant, companies=[access(two.company_id, VIEWER.id)])
    assert await codes(gql, ASSIGN, {"user": reader_id, "role": poster_role}, assigner) == [
        "FORBIDDEN"
    ]
    assert "FORBIDDEN" in await post_sale(gql, two, reader)
    # where the assigner does hold it, the same grant goes through
    in_one_id, _ = await member(gql, tenant, companies=[access(one.company_id, VIEWER.id)])
    assert await codes(gql, ASSIGN, {"user": in_one_id, "role": poster_role}, assigner) == []


UPDATE_ROLE = """
mutation($input: UpdateRoleInput!) {
  updateRole(input: $input) { role { id version } errors { code message field } }
}"""
HELPER = [{"resource": "journal", "action": "create"}]
EDITOR = [
    {"resource": "role", "action": "read"},
    {"resource": "role", "action": "update"},
    *POSTER,
]


def role_edit(role: str, **changes: Any) -> dict[str, Any]:
    return {"input": {"id": role, "version": 1} | changes}


async def test_editing_a_role_gives_its_holders_nothing_where_the_editor_lacks_it(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    """updateRole reshapes what every holder of the role (and of roles inheriting it) may do,
    wherever they may enter: an editor who posts journals but enters company 1 only cannot add
    journal:post to a role whose holders reach company 2 — tenant-wide, as a company role, or
    through inheritance — nor make such a role inherit a poster role."""
    one, two = await Books.open(gql, tenant), await Books.open(gql, tenant)
    editor_role = await custom_role(gql, tenant, "Role editor", EDITOR)
    _, editor = await member(
        gql, tenant, roles=(editor_role,), companies=[access(one.company_id, VIEWER.id)]
    )
    poster = await custom_role(gql, tenant, "Poster", POSTER)
    with_post = {"permissions": POSTER}

    # a tenant-wide holder who may enter company 2
    roaming = await custom_role(gql, tenant, "Helper", HELPER)
    _, roamer = await member(
        gql, tenant, roles=(roaming,), companies=[access(two.company_id, VIEWER.id)]
    )
    # a holder of a role inheriting the edited one, given as a company-2 role
    inherited = await custom_role(gql, tenant, "Inherited helper", HELPER)
    deputy = (await gql.data(CREATE_ROLE, {"input": {
        "name": "Deputy", "permissions": [], "inherits": [inherited],
    }}, tenant.token))["createRole"]["role"]["id"]  # fmt: skip
    _, in_two = await member(gql, tenant, companies=[access(two.company_id, VIEWER.id, deputy)])

    for role, changes in (
        (roaming, with_post),
        (inherited, with_post),
        (roaming, {"inherits": [poster]}),
    ):
        refused = (await gql.data(UPDATE_ROLE, role_edit(role, **changes), editor))["updateRole"]
        assert refused["role"] is None
        assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"], refused
        assert "company where you do not hold it" in refused["errors"][0]["message"]
    for token in (roamer, in_two):  # nothing written: they still cannot post in company 2
        assert "FORBIDDEN" in await post_sale(gql, two, token)

    # nor may the editor reshape a role carrying more than they hold, even to take it away
    voider = await custom_role(gql, tenant, "Voider", [*HELPER, {"resource": "invoice",
                                                                  "action": "void"}])  # fmt: skip
    stripped = await gql.data(UPDATE_ROLE, role_edit(voider, permissions=HELPER), editor)
    assert [e["code"] for e in stripped["updateRole"]["errors"]] == ["FORBIDDEN"]

    # the same edit where every holder is in company 1 goes through, and takes effect there
    local = await custom_role(gql, tenant, "Local helper", HELPER)
    _, local_holder = await member(
        gql, tenant, roles=(local,), companies=[access(one.company_id, VIEWER.id)]
    )
    assert "FORBIDDEN" in await post_sale(gql, one, local_holder)
    accepted = (await gql.data(UPDATE_ROLE, role_edit(local, **with_post), editor))["updateRole"]
    assert accepted["errors"] == [] and accepted["role"]["version"] == 2
    assert await post_sale(gql, one, local_holder) == []


async def test_a_role_edit_and_a_grant_racing_do_not_add_up_to_what_neither_may_give(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    """A gatekeeper may let a role's holder into company 2 (the role carries nothing more than
    the gatekeeper holds there), and the editor may add journal:post to the role (its holder
    enters no company yet); both at once must not leave the holder posting in company 2:
    whichever commits second is judged with what the first did."""
    one, two = await Books.open(gql, tenant, year_start=None), await Books.open(gql, tenant)
    editor_role = await custom_role(gql, tenant, "Role editor", EDITOR)
    _, editor = await member(
        gql, tenant, roles=(editor_role,), companies=[access(one.company_id, VIEWER.id)]
    )
    creator = await custom_role(gql, tenant, "Creator", HELPER)
    assigner = await custom_role(gql, tenant, "Assigner", CLERK[3:])
    _, gatekeeper = await member(
        gql, tenant, roles=(assigner,), companies=[access(two.company_id, VIEWER.id, creator)]
    )
    pairs = []
    for n in range(4):
        role = await custom_role(gql, tenant, f"Helper {n}", HELPER)
        holder, _ = await member(gql, tenant, roles=(role,))
        pairs.append((role, holder))

    async def let_in(holder: str) -> list:
        return await codes(gql, GRANT, {"input": {"userId": holder, "companyId": two.company_id}},
                           gatekeeper)  # fmt: skip

    async def add_posting(role: str) -> list:
        return await codes(gql, UPDATE_ROLE, role_edit(role, permissions=POSTER), editor)

    outcomes = await asyncio.gather(
        *(call for role, holder in pairs for call in (let_in(holder), add_posting(role)))
    )
    both = [
        pairs[i // 2] for i in range(0, len(outcomes), 2) if outcomes[i] == outcomes[i + 1] == []
    ]
    assert both == [], outcomes
