"""A subscriber misses nothing it may see: not across a Redis outage, not across a reconnect.

Redis carries events live, the tenant's outbox keeps all of them in order. An open stream fills
what Redis could not carry from the outbox once Redis is back; a client that reconnects passes
`after: <the last event id it received>`. Either way every event arrives once, in order, and
only the caller's tenant's events, of companies the caller may enter.

Real servers throughout: the API on a socket, PostgreSQL, Redis (stopped and started again on
the same port), the relay and the hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from db.embedded import EmbeddedRedis
from db.engine import create_engine
from db.tenancy import ensure_database, migrate_all, provision_tenant
from domain.identity.builtin_roles import VIEWER
from server.security.passwords import Argon2PasswordHasher
from server.services import Endpoints
from server.settings import Settings
from tests.accounting.api import ERRORS, Books
from tests.conftest import (
    LOGIN,
    GraphQLClient,
    LiveServer,
    TenantHandle,
    _drop_database,
    eventually,
    redis_db,
    start_server,
    stop_server,
)
from tests.e2e.test_subscriptions import create_company, until_listening, until_published
from tests.e2e.ws_client import TRANSPORT_WS, GraphQLWebSocket
from tests.identity.test_access import invite

DOMAIN_EVENTS = """
subscription($after: ID) { domainEvents(after: $after) { id eventType aggregateId tenantId } }
"""
COMPANY_EVENTS = """
subscription($after: ID) { companyEvents(after: $after) { id eventType aggregateId } }
"""
POST_MANY = f"""
mutation($company: ID!, $entries: [JournalEntryInput!]!) {{
  postJournalEntries(companyId: $company, entries: $entries) {{ journalEntries {{ id }} {ERRORS} }}
}}"""
RENAME = """
mutation($input: UpdateCompanyInput!) {
  updateCompany(input: $input) { company { id version } errors { code message field } }
}"""


async def event_of(engine: AsyncEngine, schema: str, aggregate_id: str, event_type: str) -> str:
    async with engine.connect() as conn:
        found = await conn.execute(
            text(
                f'SELECT event_id::text FROM "{schema}".outbox '
                "WHERE aggregate_id = CAST(:aggregate AS uuid) AND event_type = :type"
            ),
            {"aggregate": aggregate_id, "type": event_type},
        )
        return str(found.scalar_one())


async def outbox_ids(engine: AsyncEngine, schema: str, after: str | None = None) -> list[str]:
    """The tenant's event ids in outbox order (after one of them, if given)."""
    since = (
        f'WHERE id > (SELECT id FROM "{schema}".outbox WHERE event_id = CAST(:after AS uuid))'
        if after
        else ""
    )
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(f'SELECT event_id::text FROM "{schema}".outbox {since} ORDER BY id'),
            {"after": after},
        )
        return list(rows.scalars())


# -- (a) Redis stopped and started again while events are committed -----------------------------


@dataclass
class OwnStack:
    """An API with a Redis of its own, which the test stops, and a database of its own (every
    relay drains every tenant's outbox of its database, so on the shared one the session's API,
    whose Redis stays up, would carry this tenant's events past the outage)."""

    redis: EmbeddedRedis
    redis_url: str
    engine: AsyncEngine
    live: LiveServer


@pytest.fixture
async def own_stack(
    tmp_path: Path, settings: Settings, endpoints: Endpoints, engine: AsyncEngine
) -> AsyncIterator[OwnStack]:
    redis = EmbeddedRedis(tmp_path, durable=False)
    redis_url = await asyncio.to_thread(redis.start)
    url = make_url(endpoints.database_url)
    database_url = url.set(database=f"{url.database}_resume").render_as_string(False)
    await ensure_database(database_url)
    own_engine = create_engine(database_url, pool_size=2)
    try:
        await migrate_all(own_engine)
        own = Endpoints(
            database_url, redis_url, redis_db(redis_url, 1),
            celery_queue=f"bigledger-resume-{uuid.uuid4().hex[:8]}",
        )  # fmt: skip
        live, server, task = await start_server(settings, own)
        try:
            yield OwnStack(redis, redis_url, own_engine, live)
        finally:
            if not redis.is_running():
                await asyncio.to_thread(redis.start)
            await stop_server(server, task)
    finally:
        await own_engine.dispose()
        await asyncio.to_thread(redis.stop)
        await _drop_database(database_url)


async def sign_in_new_tenant(engine: AsyncEngine, gql: GraphQLClient) -> TenantHandle:
    slug = f"resume_{uuid.uuid4().hex[:10]}"
    email, password = f"admin@{slug}.example", f"pw-{uuid.uuid4().hex}"
    made = await provision_tenant(
        engine, slug=slug, name="Resume Bhd", admin_email=email,
        admin_password_hash=Argon2PasswordHasher().hash(password),
    )  # fmt: skip
    login = (await gql.data(LOGIN, {"tenant": slug, "email": email, "password": password}))["login"]
    return TenantHandle(
        made.tenant_id, slug, made.schema, made.admin_user_id, email, password,
        token=login["accessToken"],
    )  # fmt: skip


def entries(books: Books, count: int, tag: str) -> list[dict[str, Any]]:
    return [
        {
            "postingDate": "2026-03-10",
            "reference": f"{tag} {i}",
            "lines": [
                {"accountId": books.id("1110"), "debit": "1.00"},
                {"accountId": books.id("4100"), "credit": "1.00"},
            ],
        }
        for i in range(count)
    ]


async def test_a_redis_outage_loses_no_event_of_an_open_subscription(own_stack: OwnStack) -> None:
    engine = own_stack.engine
    async with httpx.AsyncClient(base_url=own_stack.live.url, timeout=60) as http:
        gql = GraphQLClient(http)
        tenant = await sign_in_new_tenant(engine, gql)
        books = await Books.open(gql, tenant)
        await until_published(engine, tenant.schema)  # so none of it arrives after subscribing
        batches = 0

        async def post_batch(tag: str) -> None:
            nonlocal batches
            batch = entries(books, 60, f"{tag} {batches}")
            posted = await gql.data(
                POST_MANY, {"company": books.company_id, "entries": batch}, tenant.token
            )
            assert posted["postJournalEntries"]["errors"] == [], posted
            batches += 1

        async with GraphQLWebSocket(own_stack.live.ws_url, TRANSPORT_WS, tenant.token) as ws:
            sub = await ws.subscribe(DOMAIN_EVENTS)
            async with Redis.from_url(own_stack.redis_url) as watcher:
                await until_listening(watcher, tenant.id)
            opened_at = await outbox_ids(engine, tenant.schema)
            received: list[dict[str, Any]] = []

            async def receive() -> None:
                while True:
                    received.append((await sub.next(timeout=60))["data"]["domainEvents"])

            receiver = asyncio.create_task(receive())
            await post_batch("before")

            # Redis stops while commands keep committing, and comes back on the same port.
            await asyncio.to_thread(own_stack.redis.stop)
            for _ in range(5):
                await post_batch("during")
            assert await asyncio.to_thread(own_stack.redis.start) == own_stack.redis_url
            await post_batch("after")

            expected = (await outbox_ids(engine, tenant.schema))[len(opened_at) :]
            assert len(expected) > 420  # more than the hub's queue holds (256)

            async def all_arrived() -> bool:
                return len(received) >= len(expected) or receiver.done()

            await eventually(all_arrived, timeout=60)
            if receiver.done():
                receiver.result()  # the stream ended: say how (e.g. SUBSCRIBER_OVERFLOW)
            await asyncio.sleep(1.0)  # anything doubled would arrive now
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await receiver

    # Every committed event, in the outbox's order, exactly once, and only this tenant's.
    assert [e["id"] for e in received] == expected
    assert {e["tenantId"] for e in received} == {str(tenant.id)}


# -- (b) a client reconnects and resumes after the last event it received -----------------------


async def test_a_client_resumes_after_the_last_event_it_received(
    live_server: LiveServer, gql: GraphQLClient, redis: Redis, tenant: TenantHandle,
    engine: AsyncEngine,
) -> None:  # fmt: skip
    async with GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, tenant.token) as ws:
        sub = await ws.subscribe(DOMAIN_EVENTS)
        await until_listening(redis, tenant.id)
        for name in ("Seen 1", "Seen 2"):
            await create_company(gql, tenant.token, name)
        seen = [p["data"]["domainEvents"] for p in await sub.collect(2, timeout=10)]
    last = seen[-1]["id"]

    # While the client is away (its socket closed), more is committed.
    missed = [(await create_company(gql, tenant.token, f"Missed {i}"))[0]["id"] for i in range(3)]

    async with GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, tenant.token) as ws:
        sub = await ws.subscribe(DOMAIN_EVENTS, {"after": last})
        resumed = [p["data"]["domainEvents"] for p in await sub.collect(3, timeout=10)]
        assert [e["id"] for e in resumed] == await outbox_ids(engine, tenant.schema, last)
        assert [e["aggregateId"] for e in resumed] == missed

        # Then it goes on live, and nothing replayed comes a second time.
        await until_listening(redis, tenant.id)
        live, _ = await create_company(gql, tenant.token, "Live")
        assert (await sub.next(timeout=10))["data"]["domainEvents"]["aggregateId"] == live["id"]
        await sub.assert_silent(1.0)


async def test_resuming_sends_an_event_positioned_earlier_that_committed_later(
    live_server: LiveServer, gql: GraphQLClient, redis: Redis, tenant: TenantHandle,
    engine: AsyncEngine,
) -> None:  # fmt: skip
    """A transaction draws its outbox position when it writes, but is sent when it commits: an
    event positioned before the one the client resumes after may still be new to the client."""
    made, _ = await create_company(gql, tenant.token, "Slow Writer Sdn Bhd")
    late_id = str(uuid.uuid4())
    async with engine.connect() as conn:
        created = await conn.execute(
            text(f'SELECT envelope FROM "{tenant.schema}".outbox WHERE aggregate_id = :agg'),
            {"agg": uuid.UUID(made["id"])},
        )
        envelope = {**created.scalar_one(), "id": late_id, "eventType": "CompanyUpdated"}
    async with engine.connect() as slow:
        # The slow writer draws its position now and commits only after the client has left.
        await slow.execute(
            text(
                f'INSERT INTO "{tenant.schema}".outbox '
                "(event_id, event_type, aggregate_type, aggregate_id, envelope) VALUES "
                "(CAST(:id AS uuid), 'CompanyUpdated', 'Company', CAST(:agg AS uuid), "
                "CAST(:envelope AS jsonb))"
            ),
            {"id": late_id, "agg": made["id"], "envelope": json.dumps(envelope)},
        )
        async with GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, tenant.token) as ws:
            sub = await ws.subscribe(DOMAIN_EVENTS)
            await until_listening(redis, tenant.id)
            await create_company(gql, tenant.token, "Quick Writer Sdn Bhd")
            last = (await sub.next(timeout=10))["data"]["domainEvents"]["id"]
        await slow.commit()

    async with GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, tenant.token) as ws:
        sub = await ws.subscribe(DOMAIN_EVENTS, {"after": last})
        resumed = [p["data"]["domainEvents"]["id"] for p in await sub.collect(1, timeout=10)]
        assert resumed == [late_id]
        await sub.assert_silent(1.0)


# -- (c) `after` never reaches what the caller may not see --------------------------------------


async def test_resuming_after_another_tenants_or_a_hidden_event_yields_nothing_of_it(
    live_server: LiveServer, gql: GraphQLClient, redis: Redis, tenant: TenantHandle,
    other_tenant: TenantHandle, engine: AsyncEngine,
) -> None:  # fmt: skip
    kept, _ = await create_company(gql, tenant.token, "Kept Sdn Bhd")
    hidden, _ = await create_company(gql, tenant.token, "Hidden Sdn Bhd")
    kept_created = await event_of(engine, tenant.schema, kept["id"], "CompanyCreated")
    hidden_created = await event_of(engine, tenant.schema, hidden["id"], "CompanyCreated")
    clerk = await invite(gql, tenant, companies=(kept["id"],), company_roles=(VIEWER.id,))

    async def rename(made: dict[str, Any], name: str) -> None:
        result = await gql.data(
            RENAME, {"input": {"id": made["id"], "version": made["version"], "name": name}},
            tenant.token,
        )  # fmt: skip
        assert result["updateCompany"]["errors"] == [], result
        made["version"] = result["updateCompany"]["company"]["version"]

    await rename(hidden, "Hidden, renamed")
    await rename(kept, "Kept, renamed")

    # Another tenant's event id, or an event of a company the caller may not enter: the same
    # answer as an id that does not exist, and no event.
    for token, after in (
        (other_tenant.token, kept_created),
        (clerk.token, hidden_created),
        (tenant.token, str(uuid.uuid4())),
    ):
        async with GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, token) as ws:
            sub = await ws.subscribe(COMPANY_EVENTS, {"after": after})
            errors = await sub.errors(timeout=10)
            assert [e["extensions"]["code"] for e in errors] == ["NOT_FOUND"], errors
            assert errors[0]["message"] == "No event to resume after."

    # Resuming after an event they may see: only what followed in the companies they may enter.
    async with GraphQLWebSocket(live_server.ws_url, TRANSPORT_WS, clerk.token) as ws:
        sub = await ws.subscribe(COMPANY_EVENTS, {"after": kept_created})
        event = (await sub.next(timeout=10))["data"]["companyEvents"]
        assert (event["eventType"], event["aggregateId"]) == ("CompanyUpdated", kept["id"])
        await sub.assert_silent(1.0)
