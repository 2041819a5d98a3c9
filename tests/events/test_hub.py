"""EventHub: one Redis pub/sub connection per process, fanned out to local subscribers."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from redis.asyncio import Redis

from db.embedded import EmbeddedRedis
from resolvers.events.hub import EventHub, Gap, Subscription, tenant_channel

Envelope = dict[str, Any]
HubFactory = Callable[..., Awaitable[EventHub]]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(Path(tmp_path_factory.mktemp("hub-redis")), durable=False)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def publisher(redis_server: EmbeddedRedis) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def make_hub(redis_server: EmbeddedRedis) -> AsyncIterator[HubFactory]:
    hubs: list[EventHub] = []

    async def make(**options: Any) -> EventHub:
        options.setdefault("reconnect_delay", 0.05)
        options.setdefault("max_reconnect_delay", 0.4)
        hub = EventHub(redis_server.url, **options)
        hubs.append(hub)
        await hub.start()
        assert hub.connected
        return hub

    try:
        yield make
    finally:
        for hub in hubs:
            await hub.stop()


def new_tenant() -> str:
    return str(uuid.uuid4())


def envelope(event_type: str = "InvoicePosted", **payload: Any) -> Envelope:
    return {"id": str(uuid.uuid4()), "eventType": event_type, "payload": payload}


async def publish(client: Redis, tenant_id: str, event: Envelope) -> None:
    await client.publish(tenant_channel(tenant_id), orjson.dumps(event))


WAIT = 5.0  # seconds; generous, every wait here normally ends in milliseconds


async def take(sub: Subscription, count: int) -> list[Envelope | Gap]:
    got: list[Envelope | Gap] = []
    async with asyncio.timeout(WAIT):
        while len(got) < count:
            got.append(await anext(sub))
    return got


async def numsub(client: Redis, tenant_id: str) -> int:
    [(_, count)] = await client.pubsub_numsub(tenant_channel(tenant_id))
    return int(count)


async def eventually(check: Callable[[], bool | Awaitable[bool]]) -> None:
    """Poll external state (Redis, the hub) until ``check`` holds."""
    async with asyncio.timeout(WAIT):
        while True:
            result = check()
            if await result if inspect.isawaitable(result) else result:
                return
            await asyncio.sleep(0.02)


async def test_each_subscriber_gets_only_its_tenants_events_in_order(
    make_hub: HubFactory, publisher: Redis
) -> None:
    hub = await make_hub()
    tenant_a, tenant_b = new_tenant(), new_tenant()
    async with contextlib.AsyncExitStack() as stack:
        subs = {
            tenant: [await stack.enter_async_context(hub.subscribe(tenant)) for _ in range(3)]
            for tenant in (tenant_a, tenant_b)
        }
        assert hub.subscriber_count == 6
        sent: dict[str, list[Envelope]] = {tenant_a: [], tenant_b: []}
        for i in range(10):  # interleaved, so a mix-up between tenants would show
            for tenant in (tenant_a, tenant_b):
                event = envelope(seq=i, tenant=tenant)
                sent[tenant].append(event)
                await publish(publisher, tenant, event)

        for tenant, tenant_subs in subs.items():
            received = [await take(sub, 10) for sub in tenant_subs]
            for got in received:
                assert got == sent[tenant]  # exactly this tenant's events, in publish order
            # JSON is parsed once per message: every local subscriber gets the same dict.
            assert all(a is b for a, b in zip(received[0], received[1], strict=True))

        # Nothing else (e.g. the other tenant's events) is queued behind them.
        markers = {tenant: envelope("Marker") for tenant in subs}
        for tenant, marker in markers.items():
            await publish(publisher, tenant, marker)
        for tenant, tenant_subs in subs.items():
            for sub in tenant_subs:
                assert await take(sub, 1) == [markers[tenant]]


async def test_200_subscribers_share_one_pubsub_connection(
    make_hub: HubFactory, publisher: Redis
) -> None:
    hub = await make_hub()
    tenants = [new_tenant() for _ in range(4)]
    async with contextlib.AsyncExitStack() as stack:
        subs = await asyncio.gather(
            *(stack.enter_async_context(hub.subscribe(tenants[i % 4])) for i in range(200))
        )
        assert hub.subscriber_count == 200

        async def one_subscribing_connection() -> bool:
            clients = await publisher.client_list()
            subscribing = [c for c in clients if int(c["sub"]) or int(c["psub"])]
            return len(subscribing) == 1 and int(subscribing[0]["sub"]) == len(tenants)

        await eventually(one_subscribing_connection)
        for tenant in tenants:
            assert await numsub(publisher, tenant) == 1  # one connection, not 50

        events = {tenant: envelope(tenant=tenant) for tenant in tenants}
        for tenant, event in events.items():
            await publish(publisher, tenant, event)
        for i, sub in enumerate(subs):
            assert await take(sub, 1) == [events[tenants[i % 4]]]


async def test_slow_subscriber_gets_a_gap_without_hurting_a_fast_one(
    make_hub: HubFactory, publisher: Redis
) -> None:
    queue_size = 8
    hub = await make_hub(queue_size=queue_size)
    tenant = new_tenant()
    async with hub.subscribe(tenant) as slow, hub.subscribe(tenant) as fast:
        sent = [envelope(seq=i) for i in range(queue_size + 1)]
        for event in sent:
            await publish(publisher, tenant, event)
            assert await take(fast, 1) == [event]

        # The slow one (never read) held queue_size events; the next one replaced them all by
        # a Gap (its backlog is dropped: memory stays bounded), and it stays subscribed.
        assert hub.subscriber_count == 2
        assert slow._queue.qsize() == 1
        assert await take(slow, 1) == [Gap("overflow")]

        later = envelope(seq="later")
        await publish(publisher, tenant, later)
        assert await take(fast, 1) == [later]
        assert await take(slow, 1) == [later]
    assert hub.subscriber_count == 0


async def test_redis_restart_mid_stream_reports_a_gap_then_streams_live(
    make_hub: HubFactory,
    publisher: Redis,
    redis_server: EmbeddedRedis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bigledger.events.hub")
    tenant = new_tenant()
    before = envelope(seq="before")
    after = envelope(seq="after")
    hub = await make_hub()
    async with hub.subscribe(tenant) as sub1, hub.subscribe(tenant) as sub2:
        received: dict[Subscription, list[Envelope | Gap]] = {sub1: [], sub2: []}

        async def collect(sub: Subscription) -> None:
            async for item in sub:  # keeps waiting across the outage, never raises
                received[sub].append(item)

        collectors = [asyncio.create_task(collect(sub)) for sub in (sub1, sub2)]
        await publish(publisher, tenant, before)
        await eventually(lambda: all(received[s] == [before] for s in received))

        await asyncio.to_thread(redis_server.stop)
        await eventually(lambda: not hub.connected)
        assert hub.subscriber_count == 2  # subscriptions survive the outage
        await asyncio.to_thread(redis_server.start)
        await publisher.connection_pool.disconnect()  # drop the test publisher's dead socket

        # Once Redis confirms the channel again, each subscriber is told it may have missed
        # events (the stream fills that from the outbox), ahead of anything live.
        await eventually(lambda: all(len(got) == 2 for got in received.values()))
        await publish(publisher, tenant, after)
        await eventually(lambda: all(len(got) == 3 for got in received.values()))
        for got in received.values():
            assert got == [before, Gap("reconnected"), after]
        assert await numsub(publisher, tenant) == 1
        for task in collectors:
            task.cancel()
        await asyncio.gather(*collectors, return_exceptions=True)

    events = [getattr(r, "event", None) for r in caplog.records]
    assert "events_hub.disconnected" in events
    assert "events_hub.reconnected" in events


async def test_last_subscriber_leaving_unsubscribes_the_channel(
    make_hub: HubFactory, publisher: Redis
) -> None:
    hub = await make_hub()
    tenant = new_tenant()
    first = hub.subscribe(tenant)
    await first.__aenter__()
    assert await numsub(publisher, tenant) == 1  # __aenter__ returned after Redis confirmed
    async with hub.subscribe(tenant) as second:
        await first.__aexit__(None, None, None)
        assert await numsub(publisher, tenant) == 1  # one local subscriber is still there
        event = envelope()
        await publish(publisher, tenant, event)
        assert await take(second, 1) == [event]

    async def unsubscribed() -> bool:
        return await numsub(publisher, tenant) == 0

    await eventually(unsubscribed)
    assert hub.subscriber_count == 0

    # Re-subscribing right after the UNSUBSCRIBE works (acks are matched in order).
    async with hub.subscribe(tenant) as again:
        assert await numsub(publisher, tenant) == 1
        event = envelope()
        await publish(publisher, tenant, event)
        assert await take(again, 1) == [event]
