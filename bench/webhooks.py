"""Webhook delivery: throughput and latency to a local receiver, tenant isolation under a hanging
endpoint, and no lost delivery when the worker is killed mid-delivery.

`python -m bench.webhooks` writes the `webhooks` section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import time
import uuid
from typing import Any

import httpx
import psutil

from bench.harness import (
    HOST,
    Harness,
    Tenant,
    log,
    login,
    machine_info,
    machine_markdown,
    ms,
    summary,
    today,
    write_section,
)
from tests.webhooks.receiver import Answer, WebhookReceiver  # the receiver the tests use

NAME = "webhooks"
CREATE_ENDPOINT = """mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { endpoint { id } secret errors { code message } } }"""
CREATE_COMPANY = """mutation($name: String!) {
  createCompany(input: {name: $name}) { company { id } errors { code message } } }"""
CREATE_CUSTOMER = """mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } errors { code message } } }"""
SEND_TEST = """mutation($id: ID!) {
  sendTestWebhook(endpointId: $id) { delivery { id } errors { code message } } }"""


async def call(http: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    [payload] = body["data"].values()
    if payload.get("errors"):
        raise RuntimeError(payload["errors"])
    return dict(payload)


def client(port: int, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"http://{HOST}:{port}", headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


async def endpoints(http: httpx.AsyncClient, receiver: WebhookReceiver, paths: list[str],
                    types: list[str]) -> list[str]:  # fmt: skip
    ids = []
    for path in paths:
        made = await call(http, CREATE_ENDPOINT,
                          {"input": {"url": receiver.url(path), "eventTypes": types}})  # fmt: skip
        ids.append(made["endpoint"]["id"])
    return ids


async def customers(
    http: httpx.AsyncClient, count: int, concurrency: int, prefix: str
) -> list[tuple[str, float]]:
    """`count` createCustomer (one `customer.created` each) from `concurrency` clients, in a
    company of their own: (customer id, response time)."""
    company = (await call(http, CREATE_COMPANY, {"name": f"{prefix} Sdn Bhd"}))["company"]["id"]
    out: list[tuple[str, float]] = []

    async def worker(w: int) -> None:
        for i in range(w, count, concurrency):
            made = await call(
                http,
                CREATE_CUSTOMER,
                {
                    "input": {
                        "companyId": company,
                        "code": f"C{i:06d}",
                        "name": f"{prefix} customer {i}",
                    }
                },
            )
            out.append((made["customer"]["id"], time.time()))

    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return out


async def until(predicate: Any, interval: float = 0.01) -> None:
    """Poll: the receiver fills its lists from its own threads (no event to await)."""
    while not predicate():  # noqa: ASYNC110
        await asyncio.sleep(interval)


async def wait_for(receiver: WebhookReceiver, expected: int, limit: float) -> float:
    """Seconds until the receiver holds `expected` distinct webhook ids (or the limit)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if len({r.webhook_id for r in receiver.received}) >= expected:
            break
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def first_arrivals(receiver: WebhookReceiver) -> dict[tuple[str, str], float]:
    """(path, aggregate id) -> first arrival time."""
    out: dict[tuple[str, str], float] = {}
    for r in receiver.received:
        key = (r.path, r.json["data"]["aggregateId"])
        out.setdefault(key, r.at)
    return out


async def throughput(h: Harness, port: int, tenant: Tenant, endpoint_count: int,
                     events: int) -> dict[str, Any]:  # fmt: skip
    with WebhookReceiver() as receiver:
        async with client(port, tenant.token) as http:
            paths = [f"/e{i}" for i in range(endpoint_count)]
            await endpoints(http, receiver, paths, ["customer.created"])
            started = time.time()
            made = await customers(http, events, 8, f"Hooked {endpoint_count}")
            expected = events * endpoint_count
            waited = await wait_for(receiver, expected, 300)
            arrivals = first_arrivals(receiver)
            last = max(arrivals.values()) if arrivals else time.time()
            latency = [arrivals[(p, cid)] - responded for cid, responded in made for p in paths
                       if (p, cid) in arrivals]  # fmt: skip
            distinct = len({r.webhook_id for r in receiver.received})
    log(f"{endpoint_count} endpoints: {distinct}/{expected} in {last - started:.1f}s "
        f"(waited {waited:.1f}s after the last commit)")  # fmt: skip
    return {
        "endpoints": endpoint_count,
        "events": events,
        "expected": expected,
        "delivered": distinct,
        "received": len(receiver.received),
        "deliveries_per_s": distinct / max(last - started, 1e-9),
        "latency": summary(latency),
    }


async def b_latencies(http: httpx.AsyncClient, receiver: WebhookReceiver, endpoint_id: str,
                      path: str, count: int) -> list[float]:  # fmt: skip
    out = []
    for _ in range(count):
        before = len(receiver.at(path))
        sent = time.time()
        await call(http, SEND_TEST, {"id": endpoint_id})
        await until(lambda n=before: len(receiver.at(path)) > n, 0.005)
        out.append(receiver.at(path)[-1].at - sent)
    return out


async def isolation(port: int, a: Tenant, b: Tenant, hang: float) -> dict[str, Any]:
    with WebhookReceiver() as receiver:
        receiver.script("/a", then=Answer(200, delay=hang))
        async with client(port, a.token) as http_a, client(port, b.token) as http_b:
            [a_id] = await endpoints(http_a, receiver, ["/a"], ["webhook.test"])
            [b_id] = await endpoints(http_b, receiver, ["/b"], ["webhook.test"])
            quiet = await b_latencies(http_b, receiver, b_id, "/b", 30)
            for _ in range(30):
                await call(http_a, SEND_TEST, {"id": a_id})
            await until(lambda: receiver.at("/a"))
            loaded = await b_latencies(http_b, receiver, b_id, "/b", 30)
            a_calls = len(receiver.at("/a"))
    log(f"isolation: B p50 quiet {ms(statistics.median(quiet))} ms, with A hanging "
        f"{ms(statistics.median(loaded))} ms")  # fmt: skip
    return {"quiet": summary(quiet), "loaded": summary(loaded), "a_calls": a_calls}


async def warm_up(port: int, tenant: Tenant) -> None:
    """Rounds in each pool process first (engine, Redis and HTTP clients made on first use)."""
    with WebhookReceiver() as receiver:
        async with client(port, tenant.token) as http:
            [endpoint_id] = await endpoints(http, receiver, ["/warm"], ["webhook.test"])
            await b_latencies(http, receiver, endpoint_id, "/warm", 10)


def worker_processes(api_pid: int) -> list[psutil.Process]:
    """The Celery worker `serve --with-worker` supervises, and its pool's children."""
    procs = psutil.Process(api_pid).children(recursive=True)
    return [p for p in procs if "worker" in " ".join(p.cmdline())]


async def killed_worker(port: int, api_pid: int, tenant: Tenant, events: int) -> dict[str, Any]:
    with WebhookReceiver() as receiver:
        receiver.script("/slow", then=Answer(200, delay=0.2))  # deliveries stay in flight
        async with client(port, tenant.token) as http:
            await endpoints(http, receiver, ["/slow"], ["customer.created"])
            made = asyncio.create_task(customers(http, events, 4, "Killed"))
            await until(lambda: len(receiver.received) >= events // 4)
            victims = worker_processes(api_pid)
            for proc in victims:
                proc.send_signal(signal.SIGKILL)
            killed_at = len(receiver.received)
            log(f"killed {len(victims)} worker processes after {killed_at} deliveries")
            await made
            waited = await wait_for(receiver, events, 240)
    ids = [r.webhook_id for r in receiver.received]
    delivered_events = {r.json["data"]["aggregateId"] for r in receiver.received}
    return {
        "events": events,
        "killed": len(victims),
        "killed_after": killed_at,
        "distinct_ids": len(set(ids)),
        "received": len(ids),
        "lost": events - len(delivered_events),
        "resent": len(ids) - len(set(ids)),
        "recovered_in_s": waited,
    }


async def run(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    info = machine_info()
    async with Harness() as h:
        # A tenant per phase: each phase's endpoints hear only that phase's events.
        tenants = [await h.tenant(f"bench_hooks_{i}_{uuid.uuid4().hex[:6]}") for i in range(5)]
        api = await h.start_api(
            "api-webhooks",
            with_worker=True,
            env={"BIGLEDGER_WEBHOOK_SWEEP_INTERVAL": "2", "BIGLEDGER_WEBHOOK_TIMEOUT": "15"},
        )
        for tenant in tenants:
            await login(api.port, tenant)
        await warm_up(api.port, tenants[4])
        one = await throughput(h, api.port, tenants[0], 1, args.events)
        many = await throughput(h, api.port, tenants[1], 100, args.events_100)
        isolated = await isolation(api.port, tenants[2], tenants[3], 15.0)
        killed = await killed_worker(api.port, api.pid, tenants[4], args.kill_events)
    body = markdown(args, one, many, isolated, killed, info, time.perf_counter() - started)
    write_section(NAME, body)


def markdown(args: argparse.Namespace, one: dict[str, Any], many: dict[str, Any],
             isolated: dict[str, Any], killed: dict[str, Any], info: dict[str, str],
             took: float) -> str:  # fmt: skip
    def row(r: dict[str, Any]) -> str:
        lat = r["latency"]
        return (f"| {r['endpoints']} | {r['events']} | {r['delivered']} / {r['expected']} "
                f"| **{r['deliveries_per_s']:.0f}** | {ms(lat['p50'])} / {ms(lat['p99'])} "
                f"/ {ms(lat['max'])} |")  # fmt: skip

    q, lo = isolated["quiet"], isolated["loaded"]
    return f"""## Webhooks: delivery throughput, latency, isolation, and a killed worker

**What.** Signed webhook deliveries (Standard Webhooks) from `createCustomer` commits to a local
receiver on a real socket (`tests/webhooks/receiver.py`: Python's ThreadingHTTPServer), through
the real path: the message rows written by the commit's final statement, the relay seeing them
due and kicking the sender, a Celery round on the `<queue>.webhooks` queue posting with httpx.

**Method.** `bench.harness.Harness` (embedded PostgreSQL + Redis), `bigledger serve
--with-worker` (one API process, one supervised Celery worker, prefork, 2 slots, consuming both
queues), the receiver and the load generator in this process. (1) One endpoint subscribed to
`customer.created`, {args.events} `createCustomer` from 8 concurrent clients; (2) 100 endpoints,
{args.events_100} customers, so {args.events_100 * 100:,} deliveries. Deliveries/s = distinct
`webhook-id`s received / (last arrival - first send); latency = arrival at the receiver - the
mutation's response (the commit). (3) Isolation: tenant A's endpoint hangs 15 s (the sender's
timeout) on every call with 30 messages queued; tenant B sends 30 `sendTestWebhook` one at a
time, before and while A hangs; B's send → arrival. (4) A killed worker: {args.kill_events}
customers to an endpoint answering in 200 ms; after a quarter arrived, SIGKILL to the worker
and its pool (the supervisor restarts it); leases of the killed round run out (timeout + 30 s)
and the relay's sweep (2 s here, 15 s by default) sends the round again.

**Results** ({today()}, benchmark took {took:.0f} s):

| endpoints | events | delivered / expected | deliveries/s | latency p50 / p99 / max ms |
|---|---|---|---|---|
{row(one)}
{row(many)}

| tenant B's send → delivery | p50 ms | p99 ms | max ms |
|---|---|---|---|
| A quiet | {ms(q["p50"])} | {ms(q["p99"])} | {ms(q["max"])} |
| A's endpoint hanging 15 s per call | **{ms(lo["p50"])}** | {ms(lo["p99"])} | {ms(lo["max"])} |

(A's hanging endpoint got {isolated["a_calls"]} calls in that time: one round in flight per
endpoint, its breaker opening after 5 failures.)

| killed worker | |
|---|---|
| events | {killed["events"]} |
| worker processes killed (after deliveries) | {killed["killed"]} (after {killed["killed_after"]}) |
| distinct `webhook-id`s received | {killed["distinct_ids"]} |
| **events lost** | **{killed["lost"]}** |
| deliveries sent again (same `webhook-id`, deduplicated by the receiver) | {killed["resent"]} |
| all delivered within (after the last commit) | {killed["recovered_in_s"]:.0f} s |

{machine_markdown(info)}

**Reproduce:** `.venv/bin/python -m bench.webhooks --events {args.events} --events-100
{args.events_100} --kill-events {args.kill_events}`
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--events-100", type=int, default=60)
    parser.add_argument("--kill-events", type=int, default=200)
    asyncio.run(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
