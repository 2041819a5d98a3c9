"""Rate limits and sign-in throttling against a server of their own, with tiny limits.

Requests come from random loopback addresses (127.x.y.z) wherever the client's IP matters, so
per-IP buckets and counters here are this module's own and never touch the rest of the suite.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.tenant_plans import set_plan
from server.services import Endpoints
from server.settings import Settings
from tests.conftest import LOGIN, LiveServer, TenantHandle, start_server, stop_server
from tests.e2e.ws_client import PROTOCOLS, GraphQLWebSocket

LOCK_SECONDS = 2
LOCKED = re.compile(r"^Too many failed sign-ins; try again in \d+ minutes?\.$")
BAD_CREDENTIALS = "Invalid tenant, email or password."
INVITE = """
mutation($input: InviteUserInput!) {
  inviteUser(input: $input) { userId invitationToken errors { code message } }
}"""
ACCEPT = """
mutation($tenant: String!, $email: String!, $token: String!, $password: String!) {
  acceptInvitation(tenant: $tenant, email: $email, invitationToken: $token, password: $password) {
    errors { code message }
  }
}"""


@pytest.fixture(scope="module")
async def limited(
    settings: Settings, endpoints: Endpoints, engine: AsyncEngine
) -> AsyncIterator[LiveServer]:
    """The app with small limits: anonymous callers 10 at once then 1/s; sign-in slows down
    after 5 failures per account (3 per IP) by 1 s, locks after 10 (6 per IP) for 2 s."""
    small = settings.model_copy(
        update={
            "anonymous_rate_limit_per_minute": 60,
            "anonymous_rate_limit_burst": 10,
            "sign_in_free_failures": 5,
            "sign_in_lock_failures": 10,
            "sign_in_ip_free_failures": 3,
            "sign_in_ip_lock_failures": 6,
            "sign_in_delay_seconds": 1.0,
            "sign_in_max_delay_seconds": 1.0,
            "sign_in_lock_seconds": LOCK_SECONDS,
            "sign_in_window_seconds": 60,
        }
    )
    live, server, task = await start_server(small, endpoints)
    yield live
    await stop_server(server, task)


def loopback() -> str:
    """A fresh client address (Linux routes all of 127/8 to the loopback interface)."""
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"


@contextlib.asynccontextmanager
async def client(server: LiveServer, ip: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.AsyncHTTPTransport(local_address=ip or loopback())
    async with httpx.AsyncClient(base_url=server.url, transport=transport, timeout=30) as http:
        yield http


async def post(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> httpx.Response:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


async def limit_tenant(
    engine: AsyncEngine, redis: Redis, tenant: TenantHandle, **limits: int
) -> None:
    """The tenant's own deal: plan limits overridden (apiRateLimit per minute, apiBurst)."""
    await set_plan(engine, redis, slug=tenant.slug, limits=limits)


def assert_rate_limited(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/json")
    retry_after = int(response.headers["retry-after"])
    assert retry_after >= 1
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] == retry_after
    return retry_after


# --- rate limits -----------------------------------------------------------------------------


async def test_a_tenant_over_its_burst_gets_429_until_the_bucket_refills(
    limited: LiveServer, make_tenant, engine: AsyncEngine, redis: Redis
) -> None:  # type: ignore[no-untyped-def]
    busy, calm = await make_tenant("busy"), await make_tenant("calm")
    for handle in (busy, calm):
        await limit_tenant(engine, redis, handle, apiRateLimit=60, apiBurst=5)  # 1 token/s

    async with client(limited) as http:
        statuses = [(await post(http, "{ __typename }", token=busy.token)).status_code
                    for _ in range(8)]  # fmt: skip
        assert statuses[:5] == [200] * 5
        assert 429 in statuses[5:]
        refused = await post(http, "{ __typename }", token=busy.token)
        retry_after = assert_rate_limited(refused)
        assert retry_after == 1  # one token a second

        # Another tenant, on the same server at the same moment, is not affected.
        other = await post(http, "{ me { tenant { slug } } }", token=calm.token)
        assert other.status_code == 200
        assert other.json()["data"]["me"]["tenant"]["slug"] == calm.slug

        await asyncio.sleep(retry_after + 0.1)
        again = await post(http, "{ me { tenant { slug } } }", token=busy.token)
        assert again.status_code == 200, again.text
        assert again.json()["data"]["me"]["tenant"]["slug"] == busy.slug


async def test_callers_not_signed_in_are_limited_per_ip(limited: LiveServer) -> None:
    async with client(limited) as http:
        statuses = [(await post(http, "{ __typename }")).status_code for _ in range(12)]
        assert statuses[:10] == [200] * 10
        assert statuses[-1] == 429
        assert_rate_limited(await post(http, "{ __typename }"))
    async with client(limited) as elsewhere:  # another address has its own bucket
        assert (await post(elsewhere, "{ __typename }")).status_code == 200


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_websocket_operation_over_the_limit_gets_a_rate_limited_error(
    limited: LiveServer, make_tenant, engine: AsyncEngine, redis: Redis, protocol: str
) -> None:  # type: ignore[no-untyped-def]
    handle = await make_tenant("ws")
    await limit_tenant(engine, redis, handle, apiRateLimit=60, apiBurst=3)  # 1 token/s
    watch = "subscription { domainEvents { eventType } }"
    async with GraphQLWebSocket(limited.ws_url, protocol, handle.token) as ws:
        live = [await ws.subscribe(watch) for _ in range(3)]
        over = await ws.subscribe(watch)
        [error] = await over.errors(timeout=5)
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert error["extensions"]["retryAfter"] == 1
        assert "try again" in error["message"]

        # The three within the burst are live: an event reaches each of them.
        await asyncio.sleep(1.1)  # one token back, for the request that makes the event
        async with client(limited) as http:
            created = await post(
                http, 'mutation { createCompany(input: {name: "Ws Co"}) { errors { code } } }',
                token=handle.token,
            )  # fmt: skip
        assert created.status_code == 200, created.text
        for sub in live:
            event = await sub.next(timeout=10)
            assert event["data"]["domainEvents"]["eventType"] == "CompanyCreated"


# --- sign-in throttling ----------------------------------------------------------------------


async def sign_in(
    server: LiveServer, tenant: str, email: str, password: str, ip: str | None = None
) -> tuple[dict[str, Any], float]:
    """One login from `ip` (a fresh address if None): (login payload, seconds it took)."""
    async with client(server, ip) as http:
        started = time.perf_counter()
        response = await post(http, LOGIN, {"tenant": tenant, "email": email, "password": password})
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    return response.json()["data"]["login"], elapsed


def refused_as(payload: dict[str, Any]) -> str:
    assert payload["accessToken"] is None
    [error] = payload["errors"]
    assert error["code"] == "UNAUTHENTICATED"
    return str(error["message"])


async def second_user(gql_token: str, tenant: TenantHandle, server: LiveServer) -> tuple[str, str]:
    email, password = f"second@{tenant.slug}.example", "second user password"
    async with client(server) as http:
        invited = (await post(http, INVITE, {"input": {"email": email}}, gql_token)).json()
        token = invited["data"]["inviteUser"]["invitationToken"]
        accepted = await post(
            http, ACCEPT,
            {"tenant": tenant.slug, "email": email, "token": token, "password": password},
        )  # fmt: skip
        assert accepted.json()["data"]["acceptInvitation"]["errors"] == []
    return email, password


async def test_failed_sign_ins_slow_down_then_lock_the_account(
    limited: LiveServer, make_tenant, engine
) -> None:  # type: ignore[no-untyped-def]
    handle = await make_tenant("brute")
    other_email, other_password = await second_user(handle.token, handle, limited)
    ips = [loopback() for _ in range(4)]  # at most 3 failures each: no per-IP slow-down

    timings = []
    for attempt in range(10):
        payload, elapsed = await sign_in(
            limited, handle.slug, handle.email, "guess", ips[attempt % 4]
        )
        assert refused_as(payload) == BAD_CREDENTIALS
        timings.append(elapsed)
    # Five attempts cost only the password check; then each waits a second first.
    assert min(timings[5:]) >= 0.95, timings
    assert sorted(timings[:5])[2] + 0.8 <= min(timings[5:]), timings

    # Locked: even the right password, from any address.
    for ip in (ips[0], loopback()):
        payload, elapsed = await sign_in(limited, handle.slug, handle.email, handle.password, ip)
        assert LOCKED.match(refused_as(payload)), payload
        assert elapsed < 0.9  # refused at once, no password checked
    async with engine.connect() as conn:  # the refusals are on the audit record
        outcomes = (
            (
                await conn.execute(
                    text(
                        "SELECT outcome FROM shared.audit_log"
                        " WHERE tenant_id = :t AND actor_user_id = :u"
                    ),
                    {"t": handle.id, "u": handle.admin_id},
                )
            )
            .scalars()
            .all()
        )
    assert outcomes.count("LOCKED") == 2 and outcomes.count("UNAUTHENTICATED") == 10
    # Someone else of the same tenant, from the same address, is not locked.
    payload, _ = await sign_in(limited, handle.slug, other_email, other_password, ips[0])
    assert payload["errors"] == [] and payload["accessToken"]

    await asyncio.sleep(LOCK_SECONDS + 0.2)
    payload, _ = await sign_in(limited, handle.slug, handle.email, handle.password, ips[1])
    assert payload["errors"] == [] and payload["accessToken"]
    # Success wiped the slate: a new failure is free again.
    payload, elapsed = await sign_in(limited, handle.slug, handle.email, "guess", loopback())
    assert refused_as(payload) == BAD_CREDENTIALS and elapsed < min(timings[5:])


async def test_parallel_guesses_cannot_outrun_the_lock(limited: LiveServer, make_tenant) -> None:  # type: ignore[no-untyped-def]
    handle = await make_tenant("flood")
    results = await asyncio.gather(
        *(sign_in(limited, handle.slug, handle.email, f"guess-{i}") for i in range(16))
    )
    messages = [refused_as(payload) for payload, _ in results]
    checked = messages.count(BAD_CREDENTIALS)
    assert checked <= 10, messages  # never more password checks than the lock allows
    assert all(m == BAD_CREDENTIALS or LOCKED.match(m) for m in messages), messages
    assert sum(1 for m in messages if LOCKED.match(m)) >= 6
    payload, _ = await sign_in(limited, handle.slug, handle.email, handle.password)
    assert LOCKED.match(refused_as(payload))


async def test_failures_from_one_address_lock_that_address_only(
    limited: LiveServer, make_tenant
) -> None:  # type: ignore[no-untyped-def]
    handle = await make_tenant("spray")
    attacker = loopback()
    timings = []
    for i in range(6):  # a different (unknown) account each time: no account reaches its limit
        payload, elapsed = await sign_in(
            limited, handle.slug, f"nobody-{i}@{handle.slug}.example", "guess", attacker
        )
        assert refused_as(payload) == BAD_CREDENTIALS
        timings.append(elapsed)
    assert min(timings[3:]) >= 0.95, timings  # three free, then each waits
    assert sorted(timings[:3])[1] + 0.8 <= min(timings[3:]), timings

    payload, _ = await sign_in(limited, handle.slug, handle.email, handle.password, attacker)
    assert LOCKED.match(refused_as(payload))
    payload, elapsed = await sign_in(limited, handle.slug, handle.email, handle.password)
    assert payload["errors"] == [] and payload["accessToken"]
    assert elapsed < min(timings[3:])  # nor slowed down
