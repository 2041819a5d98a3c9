"""Benchmark 4: 1,000 concurrent websocket subscribers on one API process."""

from __future__ import annotations

import asyncio
import resource
import time
from collections import defaultdict
from typing import Any

import psutil

from bench.harness import PYTHON, CpuMeter, Harness, Tenant, log, login, ms, summary
from bench.loadgen import HttpConnection
from bench.wsclient import Subscriber, create_request, created_id

WHAT = (
    "Memory per open `companyEvents` subscription in one API process, and the time to deliver "
    "one `CompanyCreated` event to all 1,000 subscribers."
)
METHOD = (
    "One API process (`bigledger serve`, no worker, LOG_LEVEL=WARNING) warmed up with a few "
    "requests and one subscribe/unsubscribe; RSS (psutil) is read after a 1 s pause. Then 1,000 "
    "`websockets` clients in the benchmark process (a separate process; fd limit raised) each "
    "open a websocket (graphql-transport-ws), authenticate in `connection_init` and subscribe to "
    "`companyEvents { id occurredOn aggregateId }`, 50 handshakes at a time. Registration is "
    "proven by probe mutations until every subscriber has received one event; RSS is read again "
    "after 1 s → (after - before) / 1,000. Then 20 `createCompany` mutations one after the other; "
    "for each, the time from the mutation's HTTP response to the first, median and last of the "
    "1,000 receipts. The run is done twice: clients offering permessage-deflate (as browsers do; "
    "uvicorn accepts it) and without compression; a fresh API process each time. The tenant is "
    "on the `enterprise` plan with its rate limit raised (every subscribe still takes a token "
    "from the tenant's Redis bucket; see benchmark 2)."
)


async def _one_pass(
    h: Harness,
    tenant: Tenant,
    clients: int,
    events: int,
    compression: str | None,
    patch: str | None = None,
) -> dict[str, Any]:
    label = "deflate" if compression else "no-compression"
    if patch:
        label += f", what-if: {patch}"
    launcher = [PYTHON, "-m", "bench.launch_api", "--patch", patch, "--"] if patch else None
    name = "api-subscribers-" + label.replace(", what-if: ", "-")
    api = await h.start_api(name, log_level="WARNING", launcher=launcher)
    token = await login(api.port, tenant)
    proc = psutil.Process(api.pid)
    arrivals: dict[str, list[float]] = defaultdict(list)
    done: dict[str, asyncio.Event] = {}

    def on_event(aggregate_id: str, at: float) -> None:
        got = arrivals[aggregate_id]
        got.append(at)
        if len(got) >= clients and aggregate_id in done:
            done[aggregate_id].set()

    conn = await HttpConnection.open(api.port)
    subs: list[Subscriber] = []
    try:
        # Warm-up: lazy imports and first-use caches in the API are paid before measuring.
        warm = Subscriber(api.port, token, lambda *_: None, compression=compression)
        await warm.start()
        for i in range(5):
            status, body, *_ = await conn.request(create_request(api.port, token, f"warm {i}"))
            created_id(status, body)
        await asyncio.sleep(0.3)
        await warm.close()
        await asyncio.sleep(1.0)
        rss_before = proc.memory_info().rss
        uss_before = proc.memory_full_info().uss

        started = time.perf_counter()
        gate = asyncio.Semaphore(50)

        async def open_one() -> Subscriber:
            sub = Subscriber(api.port, token, on_event, compression=compression)
            async with gate:
                await sub.start()
            return sub

        opened = await asyncio.gather(*(open_one() for _ in range(clients)), return_exceptions=True)
        subs = [s for s in opened if isinstance(s, Subscriber)]
        failures = [repr(s) for s in opened if not isinstance(s, Subscriber)]
        if failures:
            raise RuntimeError(f"{len(failures)} websocket(s) failed to open: {failures[:3]}")
        connect_s = time.perf_counter() - started
        log(f"{clients} websockets open and subscribed in {connect_s:.1f}s ({label})")

        # Every subscription is registered once each subscriber has received a probe event.
        for attempt in range(20):
            status, body, *_ = await conn.request(
                create_request(api.port, token, f"probe {attempt}")
            )
            probe = created_id(status, body)
            done[probe] = asyncio.Event()
            if len(arrivals[probe]) >= clients:
                done[probe].set()
            try:
                await asyncio.wait_for(done[probe].wait(), timeout=3)
                break
            except TimeoutError:
                log(f"probe {attempt}: {len(arrivals[probe])}/{clients} subscribers received it")
        else:
            raise RuntimeError("not every subscriber became live")
        await asyncio.sleep(1.0)
        rss_after = proc.memory_info().rss
        uss_after = proc.memory_full_info().uss

        meter = CpuMeter(api.pid)
        meter.start()
        fanout = []
        for i in range(events):
            status, body, _sent, received = await conn.request(
                create_request(api.port, token, f"fan-out {i}")
            )
            cid = created_id(status, body)
            done[cid] = asyncio.Event()
            if len(arrivals[cid]) >= clients:
                done[cid].set()
            try:
                await asyncio.wait_for(done[cid].wait(), timeout=30)
            except TimeoutError:
                raise RuntimeError(
                    f"event {i}: only {len(arrivals[cid])}/{clients} subscribers received it"
                ) from None
            got = sorted(arrivals[cid])
            fanout.append({"first": got[0] - received, "median": got[len(got) // 2] - received,
                           "last": got[-1] - received})  # fmt: skip
            await asyncio.sleep(0.2)  # let the server go idle between events
        api_cpu = meter.stop()
        errors = [e for s in subs for e in s.errors]
        if errors:
            raise RuntimeError(f"subscriber errors: {errors[:3]}")
        result = {
            "compression": label,
            "clients": len(subs),
            "connect_s": connect_s,
            "rss_before": rss_before,
            "rss_after": rss_after,
            "uss_before": uss_before,
            "uss_after": uss_after,
            "last": summary([f["last"] for f in fanout]),
            "median": summary([f["median"] for f in fanout]),
            "first": summary([f["first"] for f in fanout]),
            "api_cpu_per_event": api_cpu / events,
            "events": events,
        }
        log(f"fan-out ({label}): last receipt p50 {ms(result['last']['p50'])} ms, "
            f"p99 {ms(result['last']['p99'])} ms; "
            f"{(rss_after - rss_before) / clients / 1024:.1f} KiB RSS per subscriber")  # fmt: skip
        return result
    finally:
        gate2 = asyncio.Semaphore(100)

        async def close_one(sub: Subscriber) -> None:
            async with gate2:
                await sub.close()

        await asyncio.gather(*(close_one(s) for s in subs), return_exceptions=True)
        conn.close()
        h.stop(api)


async def run(h: Harness, *, clients: int = 1000, events: int = 20) -> dict[str, Any]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, clients * 2 + 512))
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    tenant = await h.tenant("bench_subscribers")
    passes = []
    for compression in ("deflate", None):
        passes.append(await _one_pass(h, tenant, clients, events, compression))
    return {"passes": passes}


# Earlier runs of this benchmark (newest first), kept by hand when the code measured changes.
HISTORY = (
    "2026-11-24 03:29 UTC, commit 611f6ba (before the fast path and orjson were app code, no "
    "rate limiting or audit; load average 7.7 at start): deflate 97.2 KiB RSS/subscriber, last "
    "receipt p50/p99 603/1665 ms, 333 ms API CPU per event; no compression 54.7 KiB, 359/763 ms, "
    "310 ms; no compression + fast-path prototype 56.0 KiB, 422/1810 ms, 355 ms.",
)


def markdown(results: dict[str, Any]) -> str:
    rows = [
        "| client compression | subscribers | open + subscribe all (s) | RSS before → after (MiB) "
        "| **RSS per subscriber (KiB)** | USS per subscriber (KiB) | response → first receipt "
        "p50 ms | response → median receipt p50 ms "
        "| **response → last receipt p50 / p99 / max ms** "
        "| API CPU per event (ms) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in results["passes"]:
        n = p["clients"]
        rows.append(
            f"| {p['compression']} | {n} | {p['connect_s']:.1f} "
            f"| {p['rss_before'] / 2**20:.1f} → {p['rss_after'] / 2**20:.1f} "
            f"| **{(p['rss_after'] - p['rss_before']) / n / 1024:.1f}** "
            f"| {(p['uss_after'] - p['uss_before']) / n / 1024:.1f} "
            f"| {ms(p['first']['p50'])} | {ms(p['median']['p50'])} "
            f"| **{ms(p['last']['p50'])} / {ms(p['last']['p99'])} / {ms(p['last']['max'])}** "
            f"| {p['api_cpu_per_event'] * 1000:.0f} |"
        )
    events = results["passes"][0]["events"]
    return (
        "\n".join(rows)
        + (
            f"\n\nFan-out percentiles are over {events} events, one after the other. Receipt times "
            "include the clients' own work: all 1,000 websockets are read by one Python process on "
            "the same 2 cores as the API. API CPU per event is the API process's CPU time over the "
            f"{events} events divided by {events} (each event → {results['passes'][0]['clients']} "
            "websocket messages)."
        )
        + "\n\n**History.** "
        + " ".join(HISTORY)
    )
