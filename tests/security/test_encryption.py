"""Encryption at rest: what PostgreSQL holds, what the API shows, and where plaintext never goes.

`companies.tax_number` and `shared.users.full_name` are stored as AES-256-GCM ciphertext with
the key id beside it; the API shows plaintext. A ciphertext moved to another row or tenant does
not decrypt. Tax numbers are searchable through a blind index, within the caller's tenant only.
`bigledger keys rotate` moves everything to a new key in batches, and the API keeps answering.
Tax numbers never reach logs, the outbox or subscribers.
Customers' and suppliers' tax ids (TIN) follow the same design: ciphertext, exact search through
a blind index, rotation, and never in clear in events or the audit log.
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
    CUSTOMER_TAX_ID,
    SUPPLIER_TAX_ID,
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
from tests.purchasing.api import SUPPLIER_QUERY, SUPPLIERS, UPDATE_SUPPLIER, Purchasing
from tests.sales.api import CUSTOMER_QUERY, CUSTOMERS, UPDATE_CUSTOMER, Sales

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


# --- customers' and suppliers' tax ids (TIN) ----------------------------------------------------

PARTIES = ("customers", "suppliers")


def tin() -> str:
    return f"C{uuid.uuid4().int % 10**11:011d}"


async def raw_tin(engine: AsyncEngine, schema: str, table: str, row_id: str) -> Any:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text(f'SELECT tax_id, tax_id_index FROM "{schema}".{table} WHERE id = :id'),
                {"id": row_id},
            )
        ).one()


async def set_raw_tin(
    engine: AsyncEngine, schema: str, table: str, row_id: str, value: str | None
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(f'UPDATE "{schema}".{table} SET tax_id = :v WHERE id = :id'),
            {"v": value, "id": row_id},
        )


class Parties:
    """One company's customers (sales) and suppliers (purchasing) through the API."""

    def __init__(self, purchasing: Purchasing) -> None:
        self.purchasing = purchasing
        self.sales = Sales(purchasing.inventory)

    @classmethod
    async def open(cls, gql: GraphQLClient, tenant: TenantHandle) -> Parties:
        return cls(await Purchasing.open(gql, tenant))

    async def create(self, table: str, code: str, tax_id: str | None) -> dict[str, Any]:
        if table == "customers":
            return await self.sales.customer(code, taxId=tax_id)
        return await self.purchasing.supplier(code, taxId=tax_id)

    async def read(self, table: str, row_id: str) -> dict[str, Any] | None:
        if table == "customers":
            data = await self.sales.gql.data(CUSTOMER_QUERY, {"id": row_id}, self.sales.token)
            return data["customer"]  # type: ignore[no-any-return]
        data = await self.purchasing.gql.data(SUPPLIER_QUERY, {"id": row_id}, self.purchasing.token)
        return data["supplier"]  # type: ignore[no-any-return]

    async def update(self, table: str, row: dict[str, Any], **changes: Any) -> dict[str, Any]:
        document, name, key = (
            (UPDATE_CUSTOMER, "updateCustomer", "customer")
            if table == "customers"
            else (UPDATE_SUPPLIER, "updateSupplier", "supplier")
        )
        variables = {"input": {"id": row["id"], "version": row["version"], **changes}}
        payload = await self.sales.call(document, name, variables)
        assert payload["errors"] == [], payload
        return dict(payload[key])

    async def search(self, table: str, term: str) -> list[dict[str, Any]]:
        document, name = (
            (CUSTOMERS, "customers") if table == "customers" else (SUPPLIERS, "suppliers")
        )
        data = await self.sales.call(
            document, name, {"company": self.sales.company_id, "search": term, "first": 50}
        )
        return [e["node"] for e in data["edges"]]


@pytest.mark.parametrize("table", PARTIES)
async def test_party_tax_id_is_ciphertext_in_postgres_and_plaintext_in_the_api(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    live_server: LiveServer,
    table: str,
) -> None:
    parties = await Parties.open(gql, tenant)
    tax = tin()
    row = await parties.create(table, "ENC1", tax)
    assert row["taxId"] == tax

    stored = await raw_tin(engine, tenant.schema, table, row["id"])
    active = live_server.services.cipher.active_kid
    assert re.fullmatch(rf"enc:v1:{active}:[A-Za-z0-9+/]+=*", stored.tax_id)
    assert tax not in stored.tax_id and tax.lower() not in stored.tax_id.lower()
    assert len(stored.tax_id_index) == 32
    assert (await parties.read(table, row["id"]) or {})["taxId"] == tax  # through the dataloader
    assert [r["taxId"] for r in await parties.search(table, "ENC1")] == [tax]  # the list

    # A change is sealed afresh; clearing it stores NULL and no index.
    new_tax = tin()
    changed = await parties.update(table, row, taxId=new_tax)
    assert changed["taxId"] == new_tax
    after = await raw_tin(engine, tenant.schema, table, row["id"])
    assert after.tax_id.startswith("enc:v1:") and new_tax not in after.tax_id
    assert after.tax_id_index != stored.tax_id_index
    cleared = await parties.update(table, changed, taxId=None)
    assert cleared["taxId"] is None
    assert tuple(await raw_tin(engine, tenant.schema, table, row["id"])) == (None, None)


@pytest.mark.parametrize("table", PARTIES)
async def test_party_search_by_tax_id_uses_the_blind_index_within_the_tenant(
    gql: GraphQLClient, make_tenant: Any, engine: AsyncEngine, sql_log: StatementLog, table: str
) -> None:
    a, b = await make_tenant("tia"), await make_tenant("tib")
    in_a, in_b = await Parties.open(gql, a), await Parties.open(gql, b)
    shared_tax = tin()
    wanted = await in_a.create(table, "WANTED", shared_tax)
    await in_a.create(table, "OTHER", tin())
    await in_a.create(table, "NONE", None)
    theirs = await in_b.create(table, "THEIRS", shared_tax)

    sql_log.statements.clear()
    found = await in_a.search(table, f"  {shared_tax.lower()} ")  # trimmed, any case
    assert [(r["id"], r["taxId"]) for r in found] == [(wanted["id"], shared_tax)]
    [listing] = [s for s in sql_log.touching(a.schema) if f"{table}." in s and "ORDER BY" in s]
    assert "tax_id_index" in listing and "tax_id) =" not in listing

    assert [r["id"] for r in await in_b.search(table, shared_tax)] == [theirs["id"]]
    assert await in_a.search(table, shared_tax[:6]) == []  # never by part
    assert await in_a.search(table, tin()) == []
    # The same TIN has a different index in each tenant: nothing to correlate across them.
    a_index = (await raw_tin(engine, a.schema, table, wanted["id"])).tax_id_index
    b_index = (await raw_tin(engine, b.schema, table, theirs["id"])).tax_id_index
    assert a_index != b_index
    # After a change the old TIN no longer finds it; the new one does.
    new_tax = tin()
    await in_a.update(table, wanted, taxId=new_tax)
    assert await in_a.search(table, shared_tax) == []
    assert [r["id"] for r in await in_a.search(table, new_tax)] == [wanted["id"]]


@pytest.mark.parametrize("table", PARTIES)
async def test_party_tax_id_copied_to_another_row_or_tenant_does_not_decrypt(
    gql: GraphQLClient,
    tenant: TenantHandle,
    other_tenant: TenantHandle,
    engine: AsyncEngine,
    live_server: LiveServer,
    table: str,
) -> None:
    field = CUSTOMER_TAX_ID if table == "customers" else SUPPLIER_TAX_ID
    mine, theirs = await Parties.open(gql, tenant), await Parties.open(gql, other_tenant)
    secret = tin()
    victim = await mine.create(table, "VICTIM", secret)
    neighbour = await mine.create(table, "NEIGHBOUR", tin())
    outsider = await theirs.create(table, "OUTSIDER", tin())
    stolen = (await raw_tin(engine, tenant.schema, table, victim["id"])).tax_id
    cipher: FieldCipher = live_server.services.cipher

    with pytest.raises(DecryptionError, match="copied from another row or tenant"):
        cipher.decrypt(stolen, context=field.context(tenant.schema, neighbour["id"]))
    with pytest.raises(DecryptionError):
        cipher.decrypt(stolen, context=field.context(other_tenant.schema, victim["id"]))
    # ...nor under another deployment's keys, even with the same key id and the right place.
    with pytest.raises(DecryptionError):
        FieldCipher(KeyRing.generate(cipher.active_kid)).decrypt(
            stolen, context=field.context(tenant.schema, victim["id"])
        )
    # ...nor as another column's value of the same row id (the column is in the AAD too).
    with pytest.raises(DecryptionError):
        cipher.decrypt(stolen, context=COMPANY_TAX_NUMBER.context(tenant.schema, victim["id"]))

    for schema, row, token in (
        (tenant.schema, neighbour, tenant.token),
        (other_tenant.schema, outsider, other_tenant.token),
    ):
        original = (await raw_tin(engine, schema, table, row["id"])).tax_id
        await set_raw_tin(engine, schema, table, row["id"], stolen)
        try:
            document = CUSTOMER_QUERY if table == "customers" else SUPPLIER_QUERY
            body = await gql(document, {"id": row["id"]}, token)
            assert body.get("errors"), body  # an error, not the victim's TIN and not garbage
            assert secret not in json.dumps(body)
        finally:
            await set_raw_tin(engine, schema, table, row["id"], original)
    assert (await mine.read(table, victim["id"]) or {})["taxId"] == secret


async def test_party_tax_ids_are_covered_by_key_rotation(
    gql: GraphQLClient,
    tenant: TenantHandle,
    engine: AsyncEngine,
    endpoints: Endpoints,
    settings: Settings,
    tmp_path: Path,
) -> None:
    if settings.encryption_keys is not None:
        pytest.skip("keys come from BIGLEDGER_ENCRYPTION_KEYS: no key file to rotate")
    parties = await Parties.open(gql, tenant)
    rows: dict[str, list[tuple[dict[str, Any], str]]] = {}
    for table in PARTIES:
        sealed = [
            (await parties.create(table, f"R{i}", tax), tax) for i, tax in enumerate([tin(), tin()])
        ]
        legacy, legacy_tax = await parties.create(table, "LEGACY", None), tin()
        await set_raw_tin(engine, tenant.schema, table, legacy["id"], legacy_tax)  # plaintext row
        rows[table] = [*sealed, (legacy, legacy_tax)]

    run = cli(endpoints, settings, tmp_path, "keys", "rotate", "--batch-size", "2")
    assert run.returncode == 0, run.stderr
    active = KeyRing.from_json((settings.data_dir / "encryption-keys.json").read_bytes()).active
    for table in PARTIES:
        assert f"re-encrypting {tenant.schema} {table}.tax_id: 2/3" in run.stderr
        assert f"re-encrypting {tenant.schema} {table}.tax_id: 3/3" in run.stderr
        for row, tax in rows[table]:
            stored = await raw_tin(engine, tenant.schema, table, row["id"])
            assert key_id(stored.tax_id) == active and stored.tax_id_index is not None
            assert (await parties.read(table, row["id"]) or {})["taxId"] == tax
        legacy, legacy_tax = rows[table][-1]  # sealed and indexed now: search finds it
        assert [r["id"] for r in await parties.search(table, legacy_tax)] == [legacy["id"]]
    status = await encryption_status(engine)
    assert set(status[CUSTOMER_TAX_ID.name]) == {active}
    assert set(status[SUPPLIER_TAX_ID.name]) == {active}
    shown = cli(endpoints, settings, tmp_path, "keys", "status")
    assert f"customers.tax_id: {active}: " in shown.stdout
    assert f"suppliers.tax_id: {active}: " in shown.stdout


async def test_party_tax_ids_never_reach_the_outbox_the_audit_log_or_logs(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine, all_logs: Everything
) -> None:
    parties = await Parties.open(gql, tenant)
    values = [tin() for _ in range(4)]
    customer = await parties.create("customers", "QUIET", values[0])
    supplier = await parties.create("suppliers", "QUIET", values[1])
    await parties.update("customers", customer, taxId=values[2])
    await parties.update("suppliers", supplier, taxId=values[3])
    assert (await parties.read("customers", customer["id"]) or {})["taxId"] == values[2]
    # (Not searched here: a free-text `search` term is also matched against names and codes, so
    # with SQL parameter logging on, the term typed — whatever it is — shows in that log.)

    async with engine.connect() as conn:
        envelopes = (
            await conn.execute(
                text(f'SELECT envelope::text FROM "{tenant.schema}".outbox '
                     "WHERE aggregate_id IN (:c, :s)"),
                {"c": customer["id"], "s": supplier["id"]},
            )
        ).scalars().all()  # fmt: skip
        audit = (
            await conn.execute(
                text("SELECT changes::text FROM shared.audit_log "
                     "WHERE tenant_id = :t AND aggregate_id IN (:c, :s)"),
                {"t": tenant.id, "c": customer["id"], "s": supplier["id"]},
            )
        ).scalars().all()  # fmt: skip
    assert len(envelopes) == 4 and len(audit) == 4
    # The customer's events say a TIN is set, never which.
    assert sum('"taxId": {"redacted": true}' in e for e in envelopes) == 2
    logged = "\n".join(all_logs.lines)
    assert "enc:v1:" in logged  # it saw SQL with its parameters
    for value in values:
        for where in (*envelopes, *(a or "" for a in audit), logged):
            assert value not in where and value.lower() not in where.lower()
