"""A dead endpoint must not delay another tenant's deliveries, nor its own tenant's others.

Tenant A's receiver hangs 15 s on every call (the sender's timeout) while A keeps producing
events; tenant B's deliveries, and A's deliveries to its other endpoint, keep their latency:
A's rounds hold at most two worker slots, the hanging endpoint one round at a time, its circuit
breaker opens after 5 failures, and B's rounds run in the other slots. The webhook queue is
served here, as in production, by a worker with several slots.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.services import Endpoints
from server.settings import Settings
from tests.conftest import GraphQLClient, TenantHandle, eventually, start_worker
from tests.webhooks.receiver import Answer, WebhookReceiver
from tests.webhooks.test_webhook_delivery import SEND_TEST, _async, create_endpoint

HANG = 15.0


@pytest.fixture
def webhook_worker(
    endpoints: Endpoints, settings: Settings, run_id: str, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    proc = start_worker(
        endpoints, settings, tmp_path / "webhook-worker.log", hostname=f"hooks-{run_id}@%h",
        options=("--pool", "prefork", "--concurrency", "3", "--queues", "webhooks"),
    )  # fmt: skip
    yield proc
    proc.kill()  # rounds still hanging on A's receiver: no need to wait for them
    proc.wait(timeout=20)


async def latencies(gql: GraphQLClient, tenant: TenantHandle, endpoint_id: str,
                    receiver: WebhookReceiver, path: str, count: int) -> list[float]:  # fmt: skip
    """Seconds from sending sendTestWebhook to the receiver getting it, one at a time."""
    out = []
    for _ in range(count):
        before = len(receiver.at(path))
        sent = time.time()
        await gql.data(SEND_TEST, {"id": endpoint_id}, tenant.token)
        await eventually(lambda n=before: _async(len(receiver.at(path)) > n), timeout=HANG * 2)
        out.append(receiver.at(path)[-1].at - sent)
    return out


async def test_a_hanging_endpoint_of_one_tenant_does_not_slow_another_tenants_deliveries(
    gql: GraphQLClient,
    tenant: TenantHandle,
    other_tenant: TenantHandle,
    celery_worker: Any,
    webhook_worker: Any,
) -> None:
    with WebhookReceiver() as receiver:
        receiver.script("/a", then=Answer(200, delay=HANG))
        a = await create_endpoint(gql, tenant, receiver.url("/a"), ["webhook.test"])
        a2 = await create_endpoint(gql, tenant, receiver.url("/a2"), ["webhook.test"])
        b = await create_endpoint(gql, other_tenant, receiver.url("/b"), ["webhook.test"])
        b_id = b["endpoint"]["id"]
        quiet = await latencies(gql, other_tenant, b_id, receiver, "/b", 5)

        for _ in range(12):  # A's backlog: every call hangs for the sender's whole timeout
            await gql.data(SEND_TEST, {"id": a["endpoint"]["id"]}, tenant.token)
        assert await eventually(lambda: _async(receiver.at("/a")), timeout=10)  # hanging now
        loaded = await latencies(gql, other_tenant, b_id, receiver, "/b", 10)
        neighbour = await latencies(gql, tenant, a2["endpoint"]["id"], receiver, "/a2", 5)

        # One call at a time to the hanging endpoint: its backlog waits, it holds one round.
        assert len(receiver.at("/a")) <= 2
        for seen in (loaded, neighbour):
            assert max(seen) < 3.0, (quiet, seen)
            assert statistics.median(seen) < max(1.0, 3 * statistics.median(quiet)), (quiet, seen)
