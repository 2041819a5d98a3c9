"""PostgreSQL or Redis out of reach: every transport tells clients to retry (HTTP 503 with
Retry-After and SERVICE_UNAVAILABLE; on websockets the same code, or close 1013) instead of an
internal error, and the API serves again as soon as the server is back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from server.services import Endpoints
from tests.conftest import LOGIN, LiveServer, TenantHandle, start_server, stop_server
from tests.e2e.tcp_proxy import TcpProxy
from tests.e2e.ws_client import PROTOCOLS, TRANSPORT_WS, ConnectionRejected, GraphQLWebSocket

COMPANIES = "{ companies(first: 5) { edges { node { id name } } } }"


@dataclass
class Outage:
    live: LiveServer
    http: httpx.AsyncClient
    postgres: TcpProxy
    redis: TcpProxy


def _address(url: str) -> tuple[str, int]:
    parsed = urlsplit(url)
    return parsed.hostname or "127.0.0.1", parsed.port or 0


def _through(url: str, proxy: TcpProxy) -> str:
    """The same URL, pointing at the proxy."""
    host, port = _address(url)
    return url.replace(f"{host}:{port}", f"127.0.0.1:{proxy.port}", 1)


@pytest.fixture(scope="module")
async def outage(settings, endpoints: Endpoints, engine) -> AsyncIterator[Outage]:  # type: ignore[no-untyped-def]
    """An app of its own whose PostgreSQL and Redis connections run through cuttable proxies."""
    postgres = TcpProxy(*_address(endpoints.database_url))
    redis = TcpProxy(*_address(endpoints.redis_url))
    await postgres.up()
    await redis.up()
    proxied = Endpoints(
        _through(endpoints.database_url, postgres),
        _through(endpoints.redis_url, redis),
        endpoints.broker_url,
        endpoints.celery_queue,
    )
    live, server, task = await start_server(settings, proxied)
    try:
        async with httpx.AsyncClient(base_url=live.url, timeout=20) as http:
            yield Outage(live, http, postgres, redis)
    finally:
        await stop_server(server, task)
        await postgres.down()
        await redis.down()


async def post(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, token: str = ""
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"query": query, "variables": variables or {}}
    return await http.post("/graphql", json=body, headers=headers)


def assert_retry_later(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"].isdigit()
    assert response.headers.get("x-request-id")
    errors = response.json()["errors"]
    assert {e["extensions"]["code"] for e in errors} == {"SERVICE_UNAVAILABLE"}, errors
    assert "Internal server error" not in response.text


@pytest.fixture(scope="module")
async def tenant(make_tenant) -> TenantHandle:  # type: ignore[no-untyped-def]
    return await make_tenant("outage")  # signs in through the suite's own app


@pytest.fixture
async def postgres_down(outage: Outage) -> AsyncIterator[None]:
    await outage.postgres.down()
    try:
        yield
    finally:
        await outage.postgres.up()


async def test_postgres_down_is_503_with_retry_after_over_http(
    outage: Outage, tenant: TenantHandle, postgres_down: None
) -> None:
    sign_in = {"tenant": tenant.slug, "email": tenant.email, "password": tenant.password}
    for query, variables, token in [
        (COMPANIES, None, tenant.token),
        ("{ me { user { id email } } }", None, tenant.token),
        ('mutation { createCompany(input: {name: "Down Co"}) { company { id } } }', None,
         tenant.token),
        (LOGIN, sign_in, ""),  # unauthenticated
    ]:  # fmt: skip
        assert_retry_later(await post(outage.http, query, variables, token))


async def test_postgres_back_serves_again(outage: Outage, tenant: TenantHandle) -> None:
    await outage.postgres.down()
    try:
        assert_retry_later(await post(outage.http, COMPANIES, token=tenant.token))
    finally:
        await outage.postgres.up()
    response = await post(outage.http, COMPANIES, token=tenant.token)
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"companies": {"edges": []}}}


async def test_postgres_down_on_websockets(outage: Outage, tenant: TenantHandle, redis) -> None:  # type: ignore[no-untyped-def]
    """On an open connection an operation answers SERVICE_UNAVAILABLE; a new connection that
    cannot be authenticated is closed with 1013, "try again later"."""
    async with GraphQLWebSocket(outage.live.ws_url, TRANSPORT_WS, tenant.token) as ws:
        await outage.postgres.down()
        try:
            errors = await (await ws.subscribe(COMPANIES)).errors()
            assert {e["extensions"]["code"] for e in errors} == {"SERVICE_UNAVAILABLE"}, errors

            await redis.delete(f"tenant-context:{tenant.id}")
            for protocol in PROTOCOLS:
                with pytest.raises(ConnectionRejected) as closed:
                    async with GraphQLWebSocket(outage.live.ws_url, protocol, tenant.token):
                        pass
                assert "1013" in str(closed.value), closed.value
        finally:
            await outage.postgres.up()


async def test_redis_down_still_serves_over_http(outage: Outage, tenant: TenantHandle) -> None:
    """Redis is a cache and a rate limiter here: without it requests are served, not refused
    (so not 503 either; this already held, and must keep holding)."""
    await outage.redis.down()
    try:
        response = await post(outage.http, COMPANIES, token=tenant.token)
    finally:
        await outage.redis.up()
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"companies": {"edges": []}}}
