"""Encryption at rest: what PostgreSQL holds, what the API shows, and where plaintext never goes.

`companies.tax_number` and `shared.users.full_name` are stored as AES-256-GCM ciphertext with
the key id beside it; the API shows plaintext. A ciphertext moved to another row or tenant does
not decrypt. Tax numbers are searchable through a blind index, within the caller's tenant only.
`bigledger keys rotate` moves everything to a new key in batches, and the API keeps answering.
Tax numbers never reach logs, the outbox or subscribers.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.crypto import (
    COMPANY_TAX_NUMBER,
    USER_FULL_NAME,
    DecryptionError,
    FieldCipher,
    KeyRing,
    key_id,
)
from db.key_rotation import encryption_status
from db.tenancy import create_user, provision_tenant
from server.logging import JsonFormatter
from server.services import Endpoints
from server.settings import Settings
from tests.conftest import LOGIN, GraphQLClient, LiveServer, StatementLog, TenantHandle
from tests.e2e.test_subscriptions import until_listening, until_published
from tests.e2e.ws_client import TRANSPORT_WS, GraphQLWebSocket

CREATE = """
mutation Create($input: CreateCompanyInput!) {
  createCompany(input: $input) {
    company { id taxNumber version } errors { code message field }
  }
}"""

UPDATE = """
mutation Update($input: UpdateCompanyInput!) {
  updateCompany(input: $input) {
    company { id taxNumber version } errors { code message field }
  }
}"""

READ = "query($id: ID!) { company(id: $id) { id name taxNumber } }"

SEARCH = """
query Search($taxNumber: String, $first: Int) {
  companies(first: $first, taxNumber: $taxNumber) { edges { node { id name taxNumber } } }
}"""

COMPANY_EVENTS = "subscription { companyEvents { eventType aggregateId payload } }"


def tax_number() -> str:
    return f"TX-{uuid.uuid4().hex[:12].upper()}"


async def create(gql: GraphQLClient, tenant: TenantHandle, name: str, tax: str | None) -> dict:
    result = (await gql.data(CREATE, {"input": {"name": name, "taxNumber": tax}}, tenant.token))[
        "createCompany"
    ]
    assert result["errors"] == [], result
    return dict(result["company"])


async def raw_company(engine: AsyncEngine, schema: str, company_id: str) -> Any:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text(
                    f'SELECT tax_number, tax_number_index FROM "{schema}".companies WHERE id = :id'
                ),
                {"id": company_id},
            )
        ).one()


async def set_raw_tax_number(
    engine: AsyncEngine, schema: str, company_id: str, value: str | None
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(f'UPDATE "{schema}".companies SET tax_number = :v WHERE id = :id'),
            {"v": value, "id": company_id},
        )


async def search(gql: GraphQLClient, tenant: TenantHandle, tax: str) -> list[dict]:
    data = await gql.data(SEARCH, {"taxNumber": tax, "first": 50}, tenant.token)
    return [e["node"] for e in data["companies"]["edges"]]


# --- stored encrypted, shown in plaintext -------------------------------------------------------


async def test_tax_number_is_ciphertext_in_postgres_and_plaintext_in_the_api(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine, live_server: LiveServer
) -> None:
    tax = tax_number()
    company = await create(gql, tenant, "Acme Sdn Bhd", tax)
    assert company["taxNumber"] == tax

    stored = await raw_company(engine, tenant.schema, company["id"])
    active = live_server.services.cipher.active_kid
    assert re.fullmatch(rf"enc:v1:{active}:[A-Za-z0-9+/]+=*", stored.tax_number)
    assert tax not in stored.tax_number and tax.lower() not in stored.tax_number.lower()
    assert len(stored.tax_number_index) == 32  # HMAC-SHA256 blind index beside it

    read = (await gql.data(READ, {"id": company["id"]}, tenant.token))["company"]
    assert read["taxNumber"] == tax
    listed = await gql.data("{ companies(first: 50) { edges { node { id taxNumber } } } }",
                            token=tenant.token)  # fmt: skip
    assert {"id": company["id"], "taxNumber": tax} in [
        e["node"] for e in listed["companies"]["edges"]
    ]

    # A change is sealed afresh; clearing it stores NULL (and no index).
    new_tax = tax_number()
    updated = (
        await gql.data(
            UPDATE, {"input": {"id": company["id"], "version": 1, "taxNumber": new_tax}},
            tenant.token,
        )
    )["updateCompany"]  # fmt: skip
    assert updated["company"]["taxNumber"] == new_tax
    after = await raw_company(engine, tenant.schema, company["id"])
    assert after.tax_number.startswith("enc:v1:") and new_tax not in after.tax_number
    assert after.tax_number_index != stored.tax_number_index
    cleared = (
        await gql.data(
            UPDATE, {"input": {"id": company["id"], "version": 2, "taxNumber": None}}, tenant.token
        )
    )["updateCompany"]
    assert cleared["company"]["taxNumber"] is None
    assert tuple(await raw_company(engine, tenant.schema, company["id"])) == (None, None)

    # The domain still limits the plaintext to the spec's 100 characters.
    too_long = await gql.data(CREATE, {"input": {"name": "X", "taxNumber": "9" * 101}},
                              tenant.token)  # fmt: skip
    assert [e["field"] for e in too_long["createCompany"]["errors"]] == ["taxNumber"]


async def test_full_name_is_stored_encrypted(
    gql: GraphQLClient, engine: AsyncEngine, live_server: LiveServer
) -> None:
    cipher: FieldCipher = live_server.services.cipher
    slug = f"pii_{uuid.uuid4().hex[:10]}"
    password = f"pw-{uuid.uuid4().hex}"
    hasher = live_server.services.passwords
    tenant = await provision_tenant(
        engine, slug=slug, name="PII", admin_email=f"admin@{slug}.example",
        admin_password_hash=hasher.hash(password), cipher=cipher,
    )  # fmt: skip
    user_id = await create_user(
        engine, tenant_slug=slug, email=f"siti@{slug}.example", password_hash=hasher.hash("x"),
        full_name="Siti Nurhaliza binti Tarudin", cipher=cipher,
    )  # fmt: skip
    async with engine.connect() as conn:
        stored = dict(
            (await conn.execute(
                text("SELECT id, full_name FROM shared.users WHERE tenant_id = :t"),
                {"t": tenant.tenant_id},
            )).all()
        )  # fmt: skip
    assert all(v.startswith(f"enc:v1:{cipher.active_kid}:") for v in stored.values())
    assert "Siti" not in stored[user_id] and "Administrator" not in stored[tenant.admin_user_id]

    profile = await live_server.services.identity.user_profile(user_id)
    assert profile["full_name"] == "Siti Nurhaliza binti Tarudin"
    login = (
        await gql.data(LOGIN, {"tenant": slug, "email": f"admin@{slug}.example",
                               "password": password})
    )["login"]  # fmt: skip
    me = await gql.data("{ me { user { fullName } } }", token=login["accessToken"])
    assert me["me"]["user"]["fullName"] == "Administrator"

    # The name is bound to its user: moved to another user's row it does not open.
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE shared.users SET full_name = :v WHERE id = :id"),
            {"v": stored[user_id], "id": tenant.admin_user_id},
        )
    try:
        with pytest.raises(DecryptionError):
            await live_server.services.identity.user_profile(tenant.admin_user_id)
    finally:
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE shared.users SET full_name = :v WHERE id = :id"),
                {"v": stored[tenant.admin_user_id], "id": tenant.admin_user_id},
            )


async def test_plaintext_written_before_encryption_still_reads(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    company = await create(gql, tenant, "Legacy Bhd", None)
    await set_raw_tax_number(engine, tenant.schema, company["id"], "C2584563200")
    read = (await gql.data(READ, {"id": company["id"]}, tenant.token))["company"]
    assert read["taxNumber"] == "C2584563200"
    # ...and the next write seals it.
    await gql.data(UPDATE, {"input": {"id": company["id"], "version": 1, "name": "Legacy 2"}},
                   tenant.token)  # fmt: skip
    stored = await raw_company(engine, tenant.schema, company["id"])
    assert stored.tax_number.startswith("enc:v1:") and stored.tax_number_index is not None
    assert [c["id"] for c in await search(gql, tenant, "C2584563200")] == [company["id"]]


# --- fails closed -------------------------------------------------------------------------------


async def test_ciphertext_copied_to_another_row_or_tenant_does_not_decrypt(
    gql: GraphQLClient,
    tenant: TenantHandle,
    other_tenant: TenantHandle,
    engine: AsyncEngine,
    live_server: LiveServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = tax_number()
    victim = await create(gql, tenant, "Victim", secret)
    thief = await create(gql, tenant, "Same tenant, other row", tax_number())
    outsider = await create(gql, other_tenant, "Other tenant", tax_number())
    stolen = (await raw_company(engine, tenant.schema, victim["id"])).tax_number
    cipher: FieldCipher = live_server.services.cipher

    with pytest.raises(DecryptionError, match="copied from another row or tenant"):
        cipher.decrypt(stolen, context=COMPANY_TAX_NUMBER.context(tenant.schema, thief["id"]))
    with pytest.raises(DecryptionError):
        cipher.decrypt(
            stolen, context=COMPANY_TAX_NUMBER.context(other_tenant.schema, victim["id"])
        )
    tampered = stolen[:-6] + ("A" if stolen[-6] != "A" else "B") + stolen[-5:]
    with pytest.raises(DecryptionError):
        cipher.decrypt(tampered, context=COMPANY_TAX_NUMBER.context(tenant.schema, victim["id"]))

    originals = {
        (tenant.schema, thief["id"]): (await raw_company(engine, tenant.schema, thief["id"])),
        (other_tenant.schema, outsider["id"]): (
            await raw_company(engine, other_tenant.schema, outsider["id"])
        ),
    }
    try:
        for (schema, company_id), handle in (
            ((tenant.schema, thief["id"]), tenant),
            ((other_tenant.schema, outsider["id"]), other_tenant),
        ):
            await set_raw_tax_number(engine, schema, company_id, stolen)
            caplog.clear()
            with caplog.at_level(logging.ERROR):
                body = await gql(READ, {"id": company_id}, handle.token)
            # An error, not the victim's tax number and not garbage.
            assert body["data"]["company"] is None
            assert body["errors"][0]["message"].startswith("Internal server error")
            assert secret not in json.dumps(body)
            # The operator's log says what happened (and still holds no plaintext).
            logged = "\n".join(JsonFormatter("t").format(r) for r in caplog.records)
            assert "does not authenticate" in logged and schema in logged
            assert secret not in logged
    finally:
        for (schema, company_id), row in originals.items():
            await set_raw_tax_number(engine, schema, company_id, row.tax_number)
    # The victim's own row still opens.
    assert (await gql.data(READ, {"id": victim["id"]}, tenant.token))["company"][
        "taxNumber"
    ] == secret


# --- exact-match lookup through the blind index --------------------------------------------------


async def test_search_by_tax_number_uses_the_blind_index_within_the_tenant(
    gql: GraphQLClient,
    make_tenant: Any,
    engine: AsyncEngine,
    sql_log: StatementLog,
) -> None:
    a, b = await make_tenant("bia"), await make_tenant("bib")
    shared_tax, other_tax = tax_number(), tax_number()
    a_company = await create(gql, a, "A: wanted", shared_tax)
    await create(gql, a, "A: another", other_tax)
    await create(gql, a, "A: none", None)
    b_company = await create(gql, b, "B: same number", shared_tax)

    sql_log.statements.clear()
    found = await search(gql, a, f"  {shared_tax.lower()} ")  # trimmed, case-insensitive
    assert found == [{"id": a_company["id"], "name": "A: wanted", "taxNumber": shared_tax}]
    [statement] = sql_log.touching(a.schema)  # one statement, filtered by the index column
    assert "tax_number_index" in statement

    assert [c["id"] for c in await search(gql, b, shared_tax)] == [b_company["id"]]
    assert await search(gql, a, tax_number()) == []
    assert await search(gql, a, "   ") == []
    # The same number has a different index in each tenant: nothing to correlate across them.
    a_index = (await raw_company(engine, a.schema, a_company["id"])).tax_number_index
    b_index = (await raw_company(engine, b.schema, b_company["id"])).tax_number_index
    assert a_index != b_index

    # After a change the old number no longer finds it; the new one does.
    new_tax = tax_number()
    await gql.data(UPDATE, {"input": {"id": a_company["id"], "version": 1, "taxNumber": new_tax}},
                   a.token)  # fmt: skip
    assert await search(gql, a, shared_tax) == []
    assert [c["id"] for c in await search(gql, a, new_tax)] == [a_company["id"]]


# --- rotation -----------------------------------------------------------------------------------


def cli(endpoints: Endpoints, settings: Settings, cwd: Path, *args: str, **env: str) -> Any:
    environment = {
        k: v for k, v in os.environ.items() if k != "BIGLEDGER_ENCRYPTION_KEYS"
    } | {
        "DATABASE_URL": endpoints.database_url,
        "REDIS_URL": endpoints.redis_url,
        "CELERY_BROKER_URL": endpoints.broker_url,
        "BIGLEDGER_DATA_DIR": str(settings.data_dir),
        "LOG_LEVEL": "WARNING",
        **env,
    }  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        env=environment, cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


async def test_keys_rotate_reencrypts_everything_in_batches_and_the_api_keeps_answering(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    live_server: LiveServer,
    endpoints: Endpoints,
    settings: Settings,
    tmp_path: Path,
) -> None:
    if settings.encryption_keys is not None:
        pytest.skip("keys come from BIGLEDGER_ENCRYPTION_KEYS: no key file to rotate")
    taxes = [tax_number() for _ in range(3)]
    companies = [await create(gql, tenant, f"Rotating {i}", t) for i, t in enumerate(taxes)]
    legacy = await create(gql, tenant, "Pre-encryption", None)
    legacy_tax = tax_number()
    await set_raw_tax_number(engine, tenant.schema, legacy["id"], legacy_tax)  # plaintext row
    before = live_server.services.cipher.active_kid
    ring_file = settings.data_dir / "encryption-keys.json"
    old_ring = KeyRing.from_json(ring_file.read_bytes())

    run = cli(endpoints, settings, tmp_path, "keys", "rotate", "--batch-size", "2")
    assert run.returncode == 0, run.stderr
    new_ring = KeyRing.from_json(ring_file.read_bytes())
    assert new_ring.active != before and set(old_ring.keys) < set(new_ring.keys)
    assert all(new_ring.keys[k] == v for k, v in old_ring.keys.items())  # old keys kept
    assert oct(ring_file.stat().st_mode & 0o777) == "0o600"
    # progress on stderr, batch by batch, for this tenant's 4 values
    assert f"re-encrypting {tenant.schema} companies.tax_number: 2/4" in run.stderr
    assert f"re-encrypting {tenant.schema} companies.tax_number: 4/4" in run.stderr

    for company in [*companies, legacy]:
        stored = await raw_company(engine, tenant.schema, company["id"])
        assert key_id(stored.tax_number) == new_ring.active
    # The running API was not restarted: it picks the new key up from the ring file.
    for company, tax in zip([*companies, legacy], [*taxes, legacy_tax], strict=True):
        read = (await gql.data(READ, {"id": company["id"]}, tenant.token))["company"]
        assert read["taxNumber"] == tax
    # The plaintext row is now sealed and has its index: search finds it.
    assert [c["id"] for c in await search(gql, tenant, legacy_tax)] == [legacy["id"]]
    status = await encryption_status(engine)
    assert set(status[COMPANY_TAX_NUMBER.name]) == {new_ring.active}
    assert set(status[USER_FULL_NAME.name]) == {new_ring.active}  # admins' names included

    # Idempotent: run again (as after an interruption), nothing is left to do.
    again = cli(endpoints, settings, tmp_path, "keys", "reencrypt")
    assert again.returncode == 0, again.stderr
    assert "0 values re-encrypted" in again.stderr
    shown = cli(endpoints, settings, tmp_path, "keys", "status")
    assert f"companies.tax_number: {new_ring.active}: " in shown.stdout


def test_keys_rotate_with_keys_from_the_environment_prints_the_new_ring(
    endpoints: Endpoints, settings: Settings, tmp_path: Path
) -> None:
    ring = KeyRing.generate("k7")
    run = cli(
        endpoints, settings, tmp_path, "keys", "rotate",
        BIGLEDGER_ENCRYPTION_KEYS=ring.to_json(),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    printed = KeyRing.from_json(run.stdout)
    assert printed.active == "k8" and printed.keys["k7"] == ring.keys["k7"]
    assert printed.index_key == ring.index_key  # indexes stay valid
    assert "bigledger keys reencrypt" in run.stderr


# --- plaintext never reaches logs, the outbox or subscribers -------------------------------------


class Everything(logging.Handler):
    """Every record, formatted with its extras (as the JSON log would write it) and its args."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.formatter_ = JsonFormatter("test")

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{self.formatter_.format(record)} {record.args!r}")


@pytest.fixture
def all_logs() -> Iterator[Everything]:
    """Everything at DEBUG — SQLAlchemy's engine log too, with every statement's parameters."""
    handler, root, sql = Everything(), logging.getLogger(), logging.getLogger("sqlalchemy.engine")
    levels = root.level, sql.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    sql.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        sql.setLevel(levels[1])


async def test_tax_numbers_never_reach_logs_outbox_or_subscribers(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    live_server: LiveServer,
    redis: Redis,
    all_logs: Everything,
) -> None:
    first, second = tax_number(), tax_number()
    await until_published(engine, tenant.schema)
    async with GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, tenant.token) as ws:
        sub = await ws.subscribe(COMPANY_EVENTS)
        await until_listening(redis, tenant.id)
        company = await create(gql, tenant, "Quiet Sdn Bhd", first)
        await gql.data(
            UPDATE, {"input": {"id": company["id"], "version": 1, "taxNumber": second}},
            tenant.token,
        )  # fmt: skip
        assert (await gql.data(READ, {"id": company["id"]}, tenant.token))["company"][
            "taxNumber"
        ] == second
        await search(gql, tenant, second)
        created = (await sub.next(timeout=10))["data"]["companyEvents"]
        updated = (await sub.next(timeout=10))["data"]["companyEvents"]

    # Subscribers learn that a tax number is set and that it changed — never its value.
    assert created["eventType"] == "CompanyCreated"
    assert created["payload"]["taxNumber"] == {"redacted": True}
    assert updated["payload"]["changes"] == {
        "taxNumber": {"before": {"redacted": True}, "after": {"redacted": True}}
    }
    for event in (created, updated):
        assert first not in json.dumps(event) and second not in json.dumps(event)

    async with engine.connect() as conn:
        envelopes = (
            await conn.execute(
                text(f'SELECT envelope::text FROM "{tenant.schema}".outbox '
                     "WHERE aggregate_id = :id"),
                {"id": company["id"]},
            )
        ).scalars().all()  # fmt: skip
    assert len(envelopes) == 2
    assert not [e for e in envelopes if first in e or second in e]

    logged = "\n".join(all_logs.lines)
    assert "INSERT INTO" in logged and "enc:v1:" in logged  # it saw SQL with its parameters
    for value in (first, second):
        assert value not in logged and value.lower() not in logged.lower()
