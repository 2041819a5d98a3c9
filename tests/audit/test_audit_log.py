"""The audit trail through the API: what gets recorded, that it cannot be changed, and that
tampering is found."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from db import audit
from domain.identity.builtin_roles import VIEWER
from tests.conftest import LOGIN, GraphQLClient, LiveServer, TenantHandle

CREATE = """
mutation($input: CreateCompanyInput!) {
  createCompany(input: $input) { company { id version name } errors { code message } }
}"""
UPDATE = """
mutation($input: UpdateCompanyInput!) {
  updateCompany(input: $input) { company { id version name } errors { code message } }
}"""
AUDIT = """
query($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    edges { cursor node {
      seq occurredAt actorUserId apiKeyId operation outcome aggregateType aggregateId changes
      ipAddress userAgent requestId correlationId prevHash hash
    } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""
VERIFY = "{ verifyAuditChain { ok checkedRows firstBrokenSeq reason headHash } }"
INVITE = """
mutation($input: InviteUserInput!) {
  inviteUser(input: $input) { userId invitationToken errors { code message } }
}"""
ACCEPT = """
mutation($tenant: String!, $email: String!, $token: String!, $password: String!) {
  acceptInvitation(tenant: $tenant, email: $email, invitationToken: $token, password: $password) {
    accessToken errors { code message }
  }
}"""


async def post(
    gql: GraphQLClient,
    query: str,
    variables: dict[str, Any],
    *,
    token: str | None = None,
    request_id: str | None = None,
    user_agent: str = "audit-test/1.0",
) -> dict[str, Any]:
    headers = {"User-Agent": user_agent}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if request_id:
        headers["X-Request-Id"] = request_id
    response = await gql.http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def audit_rows(
    gql: GraphQLClient, tenant: TenantHandle, **filters: Any
) -> list[dict[str, Any]]:
    data = await gql.data(AUDIT, {"filter": filters or None, "first": 100}, tenant.token)
    return [e["node"] for e in data["auditLog"]["edges"]]


async def stored_count(engine: AsyncEngine, tenant_id: uuid.UUID) -> int:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text("SELECT count(*) FROM shared.audit_log WHERE tenant_id = :t"), {"t": tenant_id}
            )
        ).scalar_one()


async def viewer(gql: GraphQLClient, tenant: TenantHandle) -> tuple[str, str]:
    """A signed-in user of the tenant who may read companies but not create them or audit."""
    email = f"viewer-{uuid.uuid4().hex[:8]}@{tenant.slug}.example"
    invited = (
        await gql.data(
            INVITE, {"input": {"email": email, "roleIds": [str(VIEWER.id)]}}, tenant.token
        )
    )["inviteUser"]
    assert invited["errors"] == []
    accepted = (
        await gql.data(
            ACCEPT,
            {"tenant": tenant.slug, "email": email, "token": invited["invitationToken"],
             "password": "correct horse battery"},
        )
    )["acceptInvitation"]  # fmt: skip
    assert accepted["errors"] == []
    return invited["userId"], accepted["accessToken"]


async def test_create_and_update_are_recorded_with_before_and_after(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    created = await post(
        gql, CREATE, {"input": {"name": "Acme", "taxNumber": "C2584563200"}},
        token=tenant.token, request_id="req-create-0001",
    )  # fmt: skip
    company = created["data"]["createCompany"]["company"]
    updated = await post(
        gql, UPDATE, {"input": {"id": company["id"], "version": 1, "name": "Acme Bhd"}},
        token=tenant.token, request_id="req-update-0001",
    )  # fmt: skip
    assert updated["data"]["updateCompany"]["errors"] == []

    rows = await audit_rows(gql, tenant, aggregateId=company["id"])
    assert [(r["operation"], r["outcome"]) for r in rows] == [
        ("updateCompany", "ok"),  # newest first
        ("createCompany", "ok"),
    ]
    update_row, create_row = rows
    assert update_row["changes"] == {"name": {"before": "Acme", "after": "Acme Bhd"}}
    assert create_row["changes"]["name"] == {"before": None, "after": "Acme"}
    # The tax number is encrypted at rest; the audit log says it was set, not what it is.
    assert create_row["changes"]["taxNumber"] == {"before": None, "after": "[redacted]"}
    assert "C2584563200" not in str(rows)
    for row, request_id in ((create_row, "req-create-0001"), (update_row, "req-update-0001")):
        assert row["aggregateType"] == "Company"
        assert row["actorUserId"] == str(tenant.admin_id)
        assert row["apiKeyId"] is None
        assert row["ipAddress"] == "127.0.0.1"
        assert row["userAgent"] == "audit-test/1.0"
        assert row["requestId"] == row["correlationId"] == request_id
    assert update_row["seq"] == create_row["seq"] + 1
    assert update_row["prevHash"] == create_row["hash"]


async def test_refused_commands_are_recorded_and_change_nothing(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    company = (await gql.data(CREATE, {"input": {"name": "Acme"}}, tenant.token))["createCompany"][
        "company"
    ]
    before = await stored_count(engine, tenant.id)

    stale = await post(
        gql, UPDATE, {"input": {"id": company["id"], "version": 7, "name": "Lost"}},
        token=tenant.token, request_id="req-stale-00001",
    )  # fmt: skip
    assert stale["data"]["updateCompany"]["errors"][0]["code"] == "CONFLICT"

    user_id, viewer_token = await viewer(gql, tenant)
    after_invite = await stored_count(engine, tenant.id)
    forbidden = await post(
        gql, CREATE, {"input": {"name": "Sneaky"}}, token=viewer_token,
        request_id="req-forbid-0001",
    )  # fmt: skip
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # Exactly one row per refused call (the invitation's own row in between), nothing else.
    assert after_invite == before + 2  # the stale update + inviteUser
    assert await stored_count(engine, tenant.id) == after_invite + 1
    conflict = (await audit_rows(gql, tenant, outcome="CONFLICT"))[0]
    assert conflict["operation"] == "updateCompany"
    assert conflict["aggregateId"] == company["id"]
    assert conflict["changes"] is None
    assert conflict["requestId"] == "req-stale-00001"
    refused = (await audit_rows(gql, tenant, outcome="FORBIDDEN"))[0]
    assert (refused["operation"], refused["actorUserId"], refused["changes"]) == (
        "createCompany", user_id, None,
    )  # fmt: skip
    assert refused["requestId"] == "req-forbid-0001"

    # ...and nothing else changed: the company is as it was, no company was created.
    read = await gql.data(
        "{ companies(first: 50) { edges { node { id name version } } } }", None, tenant.token
    )
    assert [e["node"] for e in read["companies"]["edges"]] == [
        {"id": company["id"], "name": "Acme", "version": 1}
    ]
    assert (await gql.data(VERIFY, None, tenant.token))["verifyAuditChain"]["ok"] is True


async def test_sign_ins_are_recorded_success_and_failure(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    ok = await post(
        gql, LOGIN, {"tenant": tenant.slug, "email": tenant.email, "password": tenant.password},
        request_id="req-login-ok-01", user_agent="Mozilla/5.0 (audit)",
    )  # fmt: skip
    assert ok["data"]["login"]["errors"] == []
    wrong = await post(
        gql, LOGIN, {"tenant": tenant.slug, "email": tenant.email, "password": "nope-nope-nope"},
        request_id="req-login-bad-1",
    )  # fmt: skip
    assert wrong["data"]["login"]["errors"][0]["code"] == "UNAUTHENTICATED"
    stranger = await post(
        gql, LOGIN, {"tenant": tenant.slug, "email": "nobody@x.example", "password": "whatever1"},
        request_id="req-login-bad-2",
    )  # fmt: skip
    assert stranger["data"]["login"]["errors"][0]["code"] == "UNAUTHENTICATED"
    nowhere = await post(
        gql, LOGIN, {"tenant": "no_such_tenant_x", "email": tenant.email, "password": "whatever1"},
        request_id="req-login-bad-3",
    )  # fmt: skip
    assert nowhere["data"]["login"]["errors"][0]["code"] == "UNAUTHENTICATED"

    rows = {r["requestId"]: r for r in await audit_rows(gql, tenant, operation="login")}
    success = rows["req-login-ok-01"]
    assert (success["outcome"], success["actorUserId"]) == ("ok", str(tenant.admin_id))
    assert (success["ipAddress"], success["userAgent"]) == ("127.0.0.1", "Mozilla/5.0 (audit)")
    assert (success["aggregateType"], success["aggregateId"]) == ("User", str(tenant.admin_id))
    failed = rows["req-login-bad-1"]
    assert (failed["outcome"], failed["actorUserId"]) == ("UNAUTHENTICATED", str(tenant.admin_id))
    assert failed["userAgent"] == "audit-test/1.0"
    unknown_user = rows["req-login-bad-2"]
    assert (unknown_user["outcome"], unknown_user["actorUserId"]) == ("UNAUTHENTICATED", None)
    assert "nobody@x.example" not in str(unknown_user)
    # An unknown tenant has no log to file it under: no row anywhere.
    async with engine.connect() as conn:
        stray = await conn.execute(
            text("SELECT count(*) FROM shared.audit_log WHERE request_id = 'req-login-bad-3'")
        )
        assert stray.scalar_one() == 0


async def test_the_application_cannot_change_or_remove_audit_rows(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    await gql.data(CREATE, {"input": {"name": "Acme"}}, tenant.token)
    rows = await stored_count(engine, tenant.id)
    assert rows >= 2  # the admin's sign-in and the company
    async with engine.connect() as conn:
        partition = (
            await conn.execute(
                text("SELECT tableoid::regclass::text FROM shared.audit_log WHERE tenant_id = :t"),
                {"t": tenant.id},
            )
        ).scalar()
    attempts = [
        "UPDATE shared.audit_log SET outcome = 'ok' WHERE tenant_id = :t",
        "DELETE FROM shared.audit_log WHERE tenant_id = :t",
        f"UPDATE {partition} SET changes = NULL WHERE tenant_id = :t",
        f"DELETE FROM {partition} WHERE tenant_id = :t",
        "DELETE FROM shared.audit_log WHERE false",  # even touching no row
        f"TRUNCATE {partition}",
        "TRUNCATE shared.audit_log",
    ]
    for statement in attempts:
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(statement), {"t": tenant.id})
    assert await stored_count(engine, tenant.id) == rows
    assert (await gql.data(VERIFY, None, tenant.token))["verifyAuditChain"] == {
        "ok": True, "checkedRows": rows, "firstBrokenSeq": None, "reason": None,
        "headHash": (await audit_rows(gql, tenant))[0]["hash"],
    }  # fmt: skip


async def tamper(engine: AsyncEngine, tenant_id: uuid.UUID, statement: str) -> None:
    """What a superuser could do: switch the partition's triggers off, change, switch back."""
    async with engine.begin() as conn:
        partition = (
            await conn.execute(
                text("SELECT tableoid::regclass::text FROM shared.audit_log WHERE tenant_id = :t"),
                {"t": tenant_id},
            )
        ).scalar()
        await conn.execute(text(f"ALTER TABLE {partition} DISABLE TRIGGER USER"))
        await conn.execute(text(statement.replace("$table", partition)), {"t": tenant_id})
        await conn.execute(text(f"ALTER TABLE {partition} ENABLE TRIGGER USER"))


async def test_a_tampered_row_is_named_by_verify(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    live_server: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("One", "Two", "Three"):
        await gql.data(CREATE, {"input": {"name": name}}, tenant.token)
    clean = (await gql.data(VERIFY, None, tenant.token))["verifyAuditChain"]
    assert clean["ok"] is True and clean["checkedRows"] == 4  # sign-in + 3 companies

    # Rewrite history: the second company's name in its audit row.
    await tamper(
        engine, tenant.id,
        "UPDATE $table SET changes = jsonb_set(changes, '{name,after}', '\"Forged\"') "
        "WHERE tenant_id = :t AND seq = 3",
    )  # fmt: skip
    broken = (await gql.data(VERIFY, None, tenant.token))["verifyAuditChain"]
    assert (broken["ok"], broken["firstBrokenSeq"], broken["checkedRows"]) == (False, 3, 2)
    assert "altered" in broken["reason"]

    # The same verdict when the rows arrive in many small batches (the break found while the
    # next batch is already on its way), with progress reported per batch.
    monkeypatch.setattr(audit, "VERIFY_BATCH", 1)
    seen: list[int] = []
    key = live_server.services.cipher.audit_chain_key
    result = await audit.verify_chain(engine, tenant.id, key=key, progress=seen.append)
    assert (result.ok, result.first_broken_seq, result.checked_rows) == (False, 3, 2)
    assert seen == [1, 2]


async def test_a_removed_row_is_named_by_verify(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    for name in ("One", "Two"):
        await gql.data(CREATE, {"input": {"name": name}}, tenant.token)
    await tamper(engine, tenant.id, "DELETE FROM $table WHERE tenant_id = :t AND seq = 2")
    broken = (await gql.data(VERIFY, None, tenant.token))["verifyAuditChain"]
    assert (broken["ok"], broken["firstBrokenSeq"]) == (False, 2)
    assert "missing" in broken["reason"]


async def test_other_tenants_never_see_these_rows(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    company = (await gql.data(CREATE, {"input": {"name": "Mine"}}, tenant.token))["createCompany"][
        "company"
    ]
    mine = await audit_rows(gql, tenant)
    assert any(r["aggregateId"] == company["id"] for r in mine)

    theirs = await audit_rows(gql, other_tenant)
    assert [(r["operation"], r["actorUserId"]) for r in theirs] == [
        ("login", str(other_tenant.admin_id))
    ]
    assert await audit_rows(gql, other_tenant, aggregateId=company["id"]) == []
    assert await audit_rows(gql, other_tenant, actorUserId=str(tenant.admin_id)) == []
    # A cursor from one tenant's log pages only the caller's own log.
    page = await gql.data(AUDIT, {"first": 1}, tenant.token)
    cursor = page["auditLog"]["edges"][0]["cursor"]
    other = await gql.data(AUDIT, {"first": 100, "after": cursor}, other_tenant.token)
    assert all(e["node"]["actorUserId"] != str(tenant.admin_id) for e in other["auditLog"]["edges"])
    verify = (await gql.data(VERIFY, None, other_tenant.token))["verifyAuditChain"]
    assert (verify["ok"], verify["checkedRows"]) == (True, 1)


async def test_reading_the_log_needs_audit_permissions(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    _, viewer_token = await viewer(gql, tenant)
    for query in (AUDIT, VERIFY):
        body = await gql(query, {}, viewer_token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await gql(AUDIT, {})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_filters_and_pages(gql: GraphQLClient, tenant: TenantHandle) -> None:
    ids = []
    for i in range(5):
        made = await gql.data(CREATE, {"input": {"name": f"C{i}"}}, tenant.token)
        ids.append(made["createCompany"]["company"]["id"])
    seen: list[int] = []
    after = None
    while True:
        data = await gql.data(
            AUDIT, {"filter": {"operation": "createCompany"}, "first": 2, "after": after},
            tenant.token,
        )  # fmt: skip
        seen += [e["node"]["seq"] for e in data["auditLog"]["edges"]]
        if not data["auditLog"]["pageInfo"]["hasNextPage"]:
            break
        after = data["auditLog"]["pageInfo"]["endCursor"]
    assert seen == [6, 5, 4, 3, 2]  # newest first; seq 1 is the sign-in
    everything = await audit_rows(gql, tenant)
    assert [r["seq"] for r in everything] == [6, 5, 4, 3, 2, 1]
    middle = everything[2]["occurredAt"]
    later = await audit_rows(gql, tenant, **{"from": middle})
    assert [r["seq"] for r in later] == [6, 5, 4]
    earlier = await audit_rows(gql, tenant, to=middle, outcome="ok", aggregateType="Company")
    assert [r["seq"] for r in earlier] == [3, 2]
    bad = await gql(AUDIT, {"after": "not-a-cursor"}, tenant.token)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def stored_seqs(engine: AsyncEngine, tenant_id: uuid.UUID) -> list[int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT seq FROM shared.audit_log WHERE tenant_id = :t ORDER BY seq"),
            {"t": tenant_id},
        )
        return list(rows.scalars().all())


def by_lane(seqs: list[int]) -> dict[int, list[int]]:
    """Positions within each lane (lane L holds seq L * LANE_SPAN + 1, + 2, ...)."""
    lanes: dict[int, list[int]] = {}
    for seq in seqs:
        lane = audit.lane_of(seq)
        lanes.setdefault(lane, []).append(seq - lane * audit.LANE_SPAN)
    return lanes


async def test_concurrent_commands_fill_gapless_lanes(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    # Creating companies is serialised by the tenant's company limit; updates of different
    # companies and sign-ins are not, so those race for the log's lanes.
    companies = [
        (await gql.data(CREATE, {"input": {"name": f"C{i}"}}, tenant.token))["createCompany"]
        for i in range(10)
    ]
    assert await stored_seqs(engine, tenant.id) == list(range(1, 12))  # one at a time: lane 0
    updates = [
        gql.data(UPDATE, {"input": {"id": c["company"]["id"], "version": 1, "name": "Renamed"}},
                 tenant.token)
        for c in companies
    ]  # fmt: skip
    sign_ins = [
        gql.data(LOGIN, {"tenant": tenant.slug, "email": tenant.email, "password": tenant.password})
        for _ in range(5)
    ]
    results = await asyncio.gather(*updates, *sign_ins)
    assert all(r["updateCompany"]["errors"] == [] for r in results[:10])
    assert all(r["login"]["errors"] == [] for r in results[10:])
    seqs = await stored_seqs(engine, tenant.id)
    assert len(seqs) == 26  # sign-in, 10 creates, 10 updates, 5 sign-ins
    for positions in by_lane(seqs).values():  # every lane gapless from 1
        assert positions == list(range(1, len(positions) + 1))
    verify = (await gql.data(VERIFY, None, tenant.token))["verifyAuditChain"]
    assert (verify["ok"], verify["checkedRows"]) == (True, 26)


async def hold_lanes(engine: AsyncEngine, tenant_id: uuid.UUID, lanes: range) -> Any:
    """A transaction holding these audit lanes of the tenant (as a long command would)."""
    conn = await engine.connect()
    await conn.begin()
    for lane in lanes:
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(:cls, :key)"),
            {"cls": audit.LOCK_CLASS + lane, "key": audit.lock_key(tenant_id)},
        )
    return conn


async def test_a_busy_lane_does_not_hold_up_the_next_command(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    holder = await hold_lanes(engine, tenant.id, range(2))  # lanes 0 and 1 busy
    try:
        made = await asyncio.wait_for(
            gql.data(CREATE, {"input": {"name": "Meanwhile"}}, tenant.token), timeout=10
        )
        assert made["createCompany"]["errors"] == []
    finally:
        await holder.rollback()
        await holder.close()
    await gql.data(CREATE, {"input": {"name": "Later"}}, tenant.token)
    assert await stored_seqs(engine, tenant.id) == [1, 2, 2 * audit.LANE_SPAN + 1]
    rows = await audit_rows(gql, tenant)  # newest first, whatever the lane
    assert [r["seq"] for r in rows] == [2, 2 * audit.LANE_SPAN + 1, 1]
    verify = (await gql.data(VERIFY, None, tenant.token))["verifyAuditChain"]
    assert verify == {
        "ok": True, "checkedRows": 3, "firstBrokenSeq": None, "reason": None,
        "headHash": rows[0]["hash"],
    }  # fmt: skip


async def test_when_every_lane_is_busy_a_command_waits_for_one(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    holder = await hold_lanes(engine, tenant.id, range(audit.LANES))
    try:
        pending = asyncio.ensure_future(
            gql.data(CREATE, {"input": {"name": "Queued"}}, tenant.token)
        )
        await asyncio.sleep(1.0)
        assert not pending.done()  # queued for a lane, not forked
    finally:
        await holder.rollback()
        await holder.close()
    made = await asyncio.wait_for(pending, timeout=10)
    assert made["createCompany"]["errors"] == []
    seqs = await stored_seqs(engine, tenant.id)
    assert len(seqs) == 2 and all(
        p == [1] for lane, p in by_lane(seqs).items() if lane
    )  # the queued row is the first of whichever lane it got
    assert (await gql.data(VERIFY, None, tenant.token))["verifyAuditChain"]["ok"] is True


async def test_tampering_in_any_lane_is_named_by_verify(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    holder = await hold_lanes(engine, tenant.id, range(1))  # lane 0 busy: rows go to lane 1
    try:
        for name in ("One", "Two", "Three"):
            await gql.data(CREATE, {"input": {"name": name}}, tenant.token)
    finally:
        await holder.rollback()
        await holder.close()
    lane1 = audit.LANE_SPAN
    assert await stored_seqs(engine, tenant.id) == [1, lane1 + 1, lane1 + 2, lane1 + 3]
    clean = (await gql.data(VERIFY, None, tenant.token))["verifyAuditChain"]
    assert (clean["ok"], clean["checkedRows"]) == (True, 4)

    await tamper(
        engine, tenant.id,
        "UPDATE $table SET changes = jsonb_set(changes, '{name,after}', '\"Forged\"') "
        f"WHERE tenant_id = :t AND seq = {lane1 + 2}",
    )  # fmt: skip
    broken = (await gql.data(VERIFY, None, tenant.token))["verifyAuditChain"]
    assert (broken["ok"], broken["firstBrokenSeq"], broken["checkedRows"]) == (
        False, lane1 + 2, 2,
    )  # fmt: skip
    assert broken["reason"].startswith("lane 1:") and "altered" in broken["reason"]

    # Moving a row into another lane (renumbering it) breaks that lane's chain too.
    await tamper(
        engine, tenant.id, f"UPDATE $table SET seq = 2 WHERE tenant_id = :t AND seq = {lane1 + 3}"
    )
    moved = (await gql.data(VERIFY, None, tenant.token))["verifyAuditChain"]
    assert (moved["ok"], moved["firstBrokenSeq"]) == (False, 2)


async def test_calls_with_an_api_key_name_the_key(gql: GraphQLClient, tenant: TenantHandle) -> None:
    created = (
        await gql.data(
            """mutation($input: CreateApiKeyInput!) {
                 createApiKey(input: $input) { apiKey { id } secret errors { code } } }""",
            {"input": {"name": "erp", "permissions": [
                {"resource": "company", "action": "create"},
                {"resource": "company", "action": "update"}]}},
            tenant.token,
        )
    )["createApiKey"]  # fmt: skip
    assert created["errors"] == []
    key_id, secret = created["apiKey"]["id"], created["secret"]
    company = (await gql.data(CREATE, {"input": {"name": "By key"}}, secret))["createCompany"][
        "company"
    ]
    refused = await gql(UPDATE, {"input": {"id": company["id"], "version": 9, "name": "x"}}, secret)
    assert refused["data"]["updateCompany"]["errors"][0]["code"] == "CONFLICT"

    rows = await audit_rows(gql, tenant, aggregateId=company["id"])
    assert [(r["operation"], r["outcome"], r["apiKeyId"], r["actorUserId"]) for r in rows] == [
        ("updateCompany", "CONFLICT", key_id, str(tenant.admin_id)),
        ("createCompany", "ok", key_id, str(tenant.admin_id)),
    ]


async def test_a_command_that_changes_nothing_is_still_on_record(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    company = (await gql.data(CREATE, {"input": {"name": "Same"}}, tenant.token))["createCompany"][
        "company"
    ]
    same = await gql.data(
        UPDATE, {"input": {"id": company["id"], "version": 1, "name": "Same"}}, tenant.token
    )
    assert same["updateCompany"]["company"]["version"] == 1  # nothing to change
    rows = await audit_rows(gql, tenant, aggregateId=company["id"])
    assert [(r["operation"], r["outcome"]) for r in rows] == [
        ("updateCompany", "ok"),
        ("createCompany", "ok"),
    ]
    assert rows[0]["changes"] is None
