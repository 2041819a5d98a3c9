"""Rewriting the audit log as a database superuser (triggers off, hashes recomputed) is found:
the chain is keyed with a key the database never holds, and signed checkpoints of the lanes'
heads find truncation and history re-hashed even by someone holding that key."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db import audit
from domain.audit.model import (
    GENESIS_HASH,
    AuditEntry,
    canonical_json,
    chain_hash,
    content_hash,
    keyed_hash,
    row_key,
)
from tests.conftest import GraphQLClient, LiveServer, TenantHandle
from workers.audit_upkeep import AuditUpkeep

CREATE = """
mutation($input: CreateCompanyInput!) {
  createCompany(input: $input) { company { id } errors { code } }
}"""
VERIFY = """
query($against: String) {
  verifyAuditChain(against: $against) {
    ok checkedRows firstBrokenSeq reason checkpoint { issuedAt lanes { lane seq hash } }
  }
}"""
CHECKPOINT = """
mutation {
  auditCheckpoint { checkpoint { token issuedAt lanes { lane seq hash } } errors { code } }
}"""
KEPT = "{ auditCheckpoints(first: 5) { token issuedAt } }"
# An attacker's view of a row: what the chain's rules hash, in VERIFY_COLUMNS' order.
ROWS = """
SELECT seq, prev_hash, hash, tenant_id::text,
       to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       actor_user_id::text, api_key_id::text, operation, outcome, aggregate_type,
       aggregate_id::text, changes::text, ip_address, user_agent, request_id, correlation_id
FROM shared.audit_log WHERE tenant_id = :t AND seq < :below ORDER BY seq
"""


async def verify(gql: GraphQLClient, tenant: TenantHandle, against: str | None = None) -> Any:
    return (await gql.data(VERIFY, {"against": against}, tenant.token))["verifyAuditChain"]


async def company_rows(gql: GraphQLClient, tenant: TenantHandle, count: int) -> None:
    for n in range(count):
        made = await gql.data(CREATE, {"input": {"name": f"Company {n}"}}, tenant.token)
        assert made["createCompany"]["errors"] == []


async def lane0(engine: AsyncEngine, tenant_id: uuid.UUID) -> list[Any]:
    async with engine.connect() as conn:
        rows = await conn.execute(text(ROWS), {"t": tenant_id, "below": audit.LANE_SPAN})
        return [tuple(r) for r in rows]


def content(row: Any, *, version: int = 1, changes: Any = None) -> list[Any]:
    """The row's content array (domain/audit), its changes replaced if given."""
    stored = json.loads(row[11]) if row[11] is not None else None
    return [
        version, row[3], row[0], row[4], row[5], row[6], row[7], row[8], row[9], row[10],
        stored if changes is None else changes, row[12], row[13], row[14], row[15],
    ]  # fmt: skip


def unkeyed(prev: str, body: list[Any]) -> str:
    """What anyone can compute: SHA-256 over the previous hash and the content."""
    return content_hash(prev, body)


async def as_superuser(
    engine: AsyncEngine, tenant_id: uuid.UUID, *statements: tuple[str, dict[str, Any]]
) -> None:
    """Triggers off on the tenant's partition, the statements, triggers on again."""
    async with engine.begin() as conn:
        partition = (
            await conn.execute(
                text("SELECT tableoid::regclass::text FROM shared.audit_log WHERE tenant_id = :t"),
                {"t": tenant_id},
            )
        ).scalar()
        await conn.execute(text(f"ALTER TABLE {partition} DISABLE TRIGGER USER"))
        for sql, params in statements:
            await conn.execute(text(sql.replace("$table", partition)), params)
        await conn.execute(text(f"ALTER TABLE {partition} ENABLE TRIGGER USER"))


def insert(entry: AuditEntry, prev: str, hash_: str, seq: int | None = None) -> Any:
    """An INSERT of an unkeyed row (chain version 1, the column's default)."""
    return (
        "INSERT INTO shared.audit_log (tenant_id, seq, occurred_at, operation, outcome, changes, "
        "prev_hash, hash) VALUES (:t, :s, :at, :op, 'ok', CAST(:c AS jsonb), :p, :h)",
        {"t": entry.tenant_id, "s": entry.seq if seq is None else seq, "at": entry.occurred_at,
         "op": entry.operation, "c": json.dumps(entry.changes), "p": prev, "h": hash_},
    )  # fmt: skip


def rewrite(row: Any, new_hash: str, prev: str | None = None, changes: Any = None) -> Any:
    sets = "hash = :h, prev_hash = :p"
    params: dict[str, Any] = {"t": uuid.UUID(row[3]), "s": row[0], "h": new_hash}
    params["p"] = row[1] if prev is None else prev
    if changes is not None:
        sets += ", changes = CAST(:c AS jsonb)"
        params["c"] = json.dumps(changes)
    return (f"UPDATE $table SET {sets} WHERE tenant_id = :t AND seq = :s", params)


async def test_a_forged_row_appended_with_a_recomputed_hash_is_refused(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    await company_rows(gql, tenant, 2)
    last = (await lane0(engine, tenant.id))[-1]
    forged = AuditEntry(
        tenant_id=tenant.id, occurred_at=datetime.now(UTC), operation="createCompany",
        changes={"name": {"before": None, "after": "Ghost Sdn Bhd"}},
    ).normalised().at(last[0] + 1)  # fmt: skip
    await as_superuser(engine, tenant.id, insert(forged, last[2], chain_hash(last[2], forged)))
    broken = await verify(gql, tenant)
    assert (broken["ok"], broken["firstBrokenSeq"]) == (False, forged.seq)
    assert "not keyed" in broken["reason"]


async def test_rewriting_the_last_row_with_a_recomputed_hash_is_refused(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    await company_rows(gql, tenant, 2)
    last = (await lane0(engine, tenant.id))[-1]
    changes = {"name": {"before": None, "after": "Rewritten Bhd"}}
    await as_superuser(
        engine, tenant.id, rewrite(last, unkeyed(last[1], content(last, changes=changes)),
                                   changes=changes),
    )  # fmt: skip
    broken = await verify(gql, tenant)
    assert (broken["ok"], broken["firstBrokenSeq"]) == (False, last[0])

    # Nor does a keyed hash under any key but the server's pass.
    guessed = row_key(b"\x00" * 32, content(last, version=2))
    body = canonical_json(content(last, version=2, changes=changes))
    await as_superuser(engine, tenant.id, rewrite(last, keyed_hash(guessed, last[1], body)))
    broken = await verify(gql, tenant)
    assert (broken["ok"], broken["firstBrokenSeq"]) == (False, last[0])


async def test_rewriting_a_middle_row_and_rehashing_the_rest_is_refused(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    await company_rows(gql, tenant, 3)
    rows = await lane0(engine, tenant.id)
    assert len(rows) == 4  # sign-in, three companies
    statements, prev = [], rows[0][2]
    for n, row in enumerate(rows[1:]):
        changes = {"name": {"before": None, "after": "Rewritten"}} if n == 0 else None
        new_hash = unkeyed(prev, content(row, changes=changes))
        statements.append(rewrite(row, new_hash, prev, changes))
        prev = new_hash
    await as_superuser(engine, tenant.id, *statements)
    broken = await verify(gql, tenant)
    assert (broken["ok"], broken["firstBrokenSeq"]) == (False, rows[1][0])

    # Re-hashing the whole lane from its first row, unkeyed, is no better.
    statements, prev = [], GENESIS_HASH
    for row in await lane0(engine, tenant.id):
        new_hash = unkeyed(prev, content(row))
        statements.append(rewrite(row, new_hash, prev))
        prev = new_hash
    await as_superuser(engine, tenant.id, *statements)
    broken = await verify(gql, tenant)
    assert (broken["ok"], broken["firstBrokenSeq"]) == (False, 1)


async def test_a_kept_checkpoint_finds_truncation_and_history_rehashed_with_the_key(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine, live_server: LiveServer
) -> None:
    await company_rows(gql, tenant, 3)
    taken = (await gql.data(CHECKPOINT, None, tenant.token))["auditCheckpoint"]
    assert taken["errors"] == []
    token = taken["checkpoint"]["token"]
    head = taken["checkpoint"]["lanes"][0]
    assert (head["lane"], head["seq"]) == (0, 4)
    clean = await verify(gql, tenant, token)
    assert clean["ok"] is True and clean["checkpoint"]["lanes"] == [head]

    # Someone holding the chain key itself rewrites row 2 and re-hashes the rest: the chain
    # verifies, the checkpoint does not agree.
    key = live_server.services.cipher.audit_chain_key
    rows = await lane0(engine, tenant.id)
    statements, prev = [], rows[0][2]
    for n, row in enumerate(rows[1:]):
        changes = {"name": {"before": None, "after": "Rewritten"}} if n == 0 else None
        body = content(row, version=2, changes=changes)
        new_hash = keyed_hash(row_key(key, body), prev, canonical_json(body))
        statements.append(rewrite(row, new_hash, prev, changes))
        prev = new_hash
    await as_superuser(engine, tenant.id, *statements)
    assert (await verify(gql, tenant, token))["ok"] is False
    rewritten = await verify(gql, tenant, token)
    assert rewritten["firstBrokenSeq"] == 4 and "rewritten" in rewritten["reason"]

    # Removing rows from the end: each remaining row verifies, the lane stops short.
    await as_superuser(
        engine,
        tenant.id,
        ("DELETE FROM $table WHERE tenant_id = :t AND seq >= 3", {"t": tenant.id}),
    )
    truncated = await verify(gql, tenant, token)
    assert (truncated["ok"], truncated["firstBrokenSeq"]) == (False, 4)
    assert "truncated" in truncated["reason"]
    # The server holds its stored copy to the same standard...
    assert (await verify(gql, tenant))["ok"] is False
    # ...but a superuser can remove that copy; the one the tenant kept still tells.
    async with engine.begin() as conn:
        await conn.execute(text("ALTER TABLE shared.audit_checkpoints DISABLE TRIGGER USER"))
        await conn.execute(
            text("DELETE FROM shared.audit_checkpoints WHERE tenant_id = :t"), {"t": tenant.id}
        )
        await conn.execute(text("ALTER TABLE shared.audit_checkpoints ENABLE TRIGGER USER"))
    assert (await verify(gql, tenant))["ok"] is True
    assert (await verify(gql, tenant, token))["ok"] is False


async def test_a_checkpoint_verifies_with_the_published_jwks_and_is_no_access_token(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    await company_rows(gql, tenant, 1)
    token = (await gql.data(CHECKPOINT, None, tenant.token))["auditCheckpoint"]["checkpoint"][
        "token"
    ]
    jwks = (await gql.http.get("/.well-known/jwks.json")).json()
    decoded = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    assert decoded.header["typ"] == "audit-checkpoint+jwt"
    assert decoded.header["kid"] in {k["kid"] for k in jwks["keys"]}
    claims = decoded.claims
    assert claims["tenant"] == str(tenant.id) and claims["purpose"] == "audit-checkpoint"
    assert claims["lanes"] == [{"lane": 0, "seq": 2, "hash": claims["lanes"][0]["hash"]}]

    # It opens no door, and an access token or another tenant's checkpoint is no checkpoint.
    refused = await gql("{ auditLog(first: 1) { edges { cursor } } }", None, token)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    for against in (tenant.token, token[:-4] + "AAAA"):
        answer = await gql(VERIFY, {"against": against}, tenant.token)
        assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    answer = await gql(VERIFY, {"against": token}, other_tenant.token)
    assert "another tenant" in answer["errors"][0]["message"]


async def test_checkpoints_are_issued_periodically_when_the_log_moved(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine, live_server: LiveServer
) -> None:
    services = live_server.services
    upkeep = AuditUpkeep(
        engine, services.tenants, services.audit_signer, services.cipher.audit_chain_key,
        interval=timedelta(0),
    )  # fmt: skip
    await upkeep.checkpoint_all()
    first = (await gql.data(KEPT, None, tenant.token))["auditCheckpoints"]
    assert len(first) == 1  # the sign-in row moved the log
    await upkeep.checkpoint_all()
    assert len((await gql.data(KEPT, None, tenant.token))["auditCheckpoints"]) == 1  # unmoved
    await company_rows(gql, tenant, 1)
    await upkeep.checkpoint_all()
    kept = (await gql.data(KEPT, None, tenant.token))["auditCheckpoints"]
    assert len(kept) == 2
    checked = await verify(gql, tenant)  # held to the newest kept one
    assert checked["ok"] is True and checked["checkpoint"]["lanes"][0]["seq"] == 2


async def test_lanes_written_before_keying_are_keyed_and_then_pinned(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine, live_server: LiveServer
) -> None:
    """An upgraded log: lane 3 holds rows hashed by the old, unkeyed rules."""
    base = 3 * audit.LANE_SPAN
    statements, prev = [], GENESIS_HASH
    for position in (1, 2, 3):
        old = AuditEntry(
            tenant_id=tenant.id, occurred_at=datetime(2026, 1, position, tzinfo=UTC),
            operation="createCompany", changes={"name": {"after": f"Old {position}"}},
        ).normalised().at(position)  # fmt: skip
        new_hash = chain_hash(prev, old)
        statements.append(insert(old, prev, new_hash, seq=base + position))
        prev = new_hash
    await as_superuser(engine, tenant.id, *statements)
    unpinned = await verify(gql, tenant)  # anyone could have written these
    assert (unpinned["ok"], unpinned["firstBrokenSeq"]) == (False, base + 1)

    key = live_server.services.cipher.audit_chain_key
    assert await audit.key_legacy_lanes(engine, key) >= 1
    assert await audit.key_legacy_lanes(engine, key) == 0  # idempotent
    pinned = await verify(gql, tenant)
    assert pinned["ok"] is True and pinned["checkedRows"] == 5  # sign-in, 3 old, 1 keying

    # Rewriting an old row and re-hashing the old rows after it no longer goes unnoticed.
    rows = [r for r in await lane0_of(engine, tenant.id, 3) if r[0] <= base + 3]
    statements, prev = [], rows[0][1]
    for row in rows:
        body = content(row, changes={"name": {"after": "Rewritten"}})
        body[2] = row[0] - base
        new_hash = unkeyed(prev, body)
        statements.append(rewrite(row, new_hash, prev, {"name": {"after": "Rewritten"}}))
        prev = new_hash
    await as_superuser(engine, tenant.id, *statements)
    broken = await verify(gql, tenant)
    assert (broken["ok"], broken["firstBrokenSeq"]) == (False, base + 4)


async def lane0_of(engine: AsyncEngine, tenant_id: uuid.UUID, lane: int) -> list[Any]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(ROWS.replace("seq < :below", "seq > :above AND seq < :below")),
            {"t": tenant_id, "above": lane * audit.LANE_SPAN,
             "below": (lane + 1) * audit.LANE_SPAN},
        )  # fmt: skip
        return [tuple(r) for r in rows]
