"""One Redis pub/sub connection per server process, fanned out to local GraphQL subscribers.

The outbox relay publishes each committed domain event (a JSON envelope with at least ``id`` and
``eventType``) to ``tenant:<tenant_id>:events``. Opening a pub/sub connection per GraphQL
subscription would cost one Redis client per open websocket, so every process runs one
:class:`EventHub`: a single reader task owns a single ``PubSub`` connection, SUBSCRIBEs a tenant's
channel while at least one local subscriber of that tenant exists, parses each message once and
hands the same dict to every local subscriber's bounded queue.

Usage (resolvers/events/stream.py)::

    async with hub.subscribe(tenant_id) as events:
        async for item in events:
            if isinstance(item, Gap):       # events may be missing here: replay the outbox
                ...
            else:
                yield item

Delivery guarantees:

* tenant isolation: plain SUBSCRIBE per tenant channel (never PSUBSCRIBE), and a message is routed
  only by the channel it arrived on;
* a slow subscriber never blocks the reader or grows memory: its queue is bounded, and when it is
  full its queued events are dropped and a :class:`Gap` takes their place, while the others carry
  on;
* Redis outages are reported, never hidden: the reader reconnects with exponential backoff,
  re-subscribes every channel that still has local subscribers, and once Redis confirms a channel
  it hands each of that channel's subscribers a :class:`Gap` ahead of any live message from the
  new connection.

The hub only says *that* something may be missing. The outbox keeps every committed event in
order, so the subscriber fills a gap itself, at its own pace, from the database
(resolvers/events/stream.py, db/event_replay.py), and drops duplicates by event id.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final

import orjson
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from domain.shared.events import tenant_channel

__all__ = ["EventHub", "Gap", "Subscription", "tenant_channel"]

logger = logging.getLogger("bigledger.events.hub")

Envelope = dict[str, Any]

_HEARTBEAT_MESSAGE: Final = "bigledger-events-hub"


@dataclass(frozen=True)
class Gap:
    """In place of events the subscriber may have missed: its queue overflowed, or the pub/sub
    connection was down. Everything after it in the stream is live again."""

    reason: str  # "overflow" or "reconnected"


class _End:
    """Queue sentinel that wakes a waiting iterator when its subscription is terminated."""


_END: Final = _End()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _describe(exc: BaseException) -> str:
    # redis-py 8 exceptions' repr() omits the message; logs need it.
    return f"{type(exc).__name__}: {exc}"


class _Tenant:
    """Hub-side state of one tenant channel that has local subscribers."""

    __slots__ = ("channel", "confirmed", "missed", "refs", "subscribers", "tenant_id")

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.channel = tenant_channel(tenant_id)
        # Registered Subscription objects not yet exited (the channel is UNSUBSCRIBEd exactly
        # once, by the last to leave).
        self.refs = 0
        # Subscribers still being fed (terminated ones are removed).
        self.subscribers: set[Subscription] = set()
        # Set when Redis acknowledged the SUBSCRIBE on the current connection.
        self.confirmed = asyncio.Event()
        # The channel was confirmed on a connection that dropped: its subscribers get a Gap
        # when the next connection confirms it.
        self.missed = False


class Subscription:
    """One local subscriber of a tenant's events: an async context manager and async iterator.

    Entering registers it with the hub and returns once Redis confirmed the tenant channel's
    subscription; iterating yields envelope dicts (shared between subscribers: do not mutate)
    and, where events may be missing, a :class:`Gap`.
    """

    def __init__(self, hub: EventHub, tenant_id: str, queue_size: int) -> None:
        self.tenant_id = tenant_id
        self._hub = hub
        self._queue: asyncio.Queue[Envelope | Gap | _End] = asyncio.Queue(maxsize=queue_size)
        self._tenant: _Tenant | None = None
        self._entered = False
        self._exited = False
        self._ended = False

    async def __aenter__(self) -> Subscription:
        if self._entered:
            raise RuntimeError("a Subscription can be entered only once")
        self._entered = True
        tenant, first = self._hub._register(self)
        try:
            await self._hub._await_subscribed(tenant, first)
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._exited:
            return
        self._exited = True
        self._terminate()
        await self._hub._unregister(self)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Envelope | Gap:
        if not self._entered:
            raise RuntimeError("use `async with hub.subscribe(tenant_id) as sub:` before iterating")
        if not self._ended:
            item = await self._queue.get()
            if not isinstance(item, _End):
                return item
        raise StopAsyncIteration

    def _gap(self, reason: str) -> None:
        """Replace whatever is still queued with one Gap: the subscriber re-reads all of it (and
        anything else it missed) from the outbox, so the memory is freed now."""
        if self._ended:
            return
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(Gap(reason))

    def _terminate(self) -> None:
        """End the stream; a waiting iterator wakes and stops."""
        if self._ended:
            return
        self._ended = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(_END)


class EventHub:
    """Per-process fan-out of tenant domain events from one Redis pub/sub connection."""

    def __init__(
        self,
        redis_url: str,
        *,
        queue_size: int = 256,
        reconnect_delay: float = 0.2,
        max_reconnect_delay: float = 5.0,
        heartbeat_interval: float = 5.0,
        poll_interval: float = 1.0,
    ) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self._queue_size = queue_size
        self._reconnect_delay = reconnect_delay
        self._max_reconnect_delay = max(max_reconnect_delay, reconnect_delay)
        self._heartbeat_interval = heartbeat_interval
        self._poll_interval = poll_interval
        # A private client whose Retry handles no error: redis-py must never silently reconnect
        # (and re-subscribe) on its own, because every reconnect has to report a Gap.
        self._redis: Redis = Redis.from_url(
            redis_url,
            retry=Retry(NoBackoff(), 0, supported_errors=()),
            socket_connect_timeout=5.0,
            socket_timeout=5.0,
            client_name="bigledger-events-hub",
        )
        self._pubsub: PubSub | None = None
        self._connected = False
        # Serialises every command written on the shared pub/sub connection (SUBSCRIBE from
        # subscriber tasks, PING from the reader) with connection set-up and tear-down.
        self._cmd_lock = asyncio.Lock()
        self._tenants: dict[str, _Tenant] = {}  # by channel
        # SUBSCRIBE commands sent on the current connection and not yet acknowledged, by channel;
        # a channel is confirmed only when all are acknowledged (acks arrive in order, so the
        # last one postdates any UNSUBSCRIBE sent before it).
        self._inflight: dict[str, int] = {}
        self._disconnected_at: float | None = None
        self._reader: asyncio.Task[None] | None = None
        self._first_attempt = asyncio.Event()
        self._stopped = False

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect and spawn the reader task.

        Returns after the first connection attempt; if Redis is down the reader keeps retrying in
        the background (see :attr:`connected`), so the server can still start.
        """
        if self._stopped:
            raise RuntimeError("EventHub was stopped; create a new one")
        if self._reader is not None:
            return
        self._reader = asyncio.create_task(self._run(), name="bigledger-events-hub-reader")
        first = asyncio.ensure_future(self._first_attempt.wait())
        try:
            await asyncio.wait({first, self._reader}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            first.cancel()

    async def stop(self) -> None:
        """Cancel the reader, close the connection and end every subscriber's iteration."""
        if self._stopped:
            return
        self._stopped = True
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            await asyncio.wait({reader})  # not `await reader`: keeps our own cancellation intact
        async with self._cmd_lock:
            pubsub, self._pubsub = self._pubsub, None
            self._connected = False
        if pubsub is not None:
            await self._close_pubsub(pubsub)
        await self._redis.aclose()
        tenants = list(self._tenants.values())
        self._tenants.clear()
        for tenant in tenants:
            for sub in tenant.subscribers:
                sub._terminate()
            tenant.subscribers.clear()
            tenant.confirmed.set()  # release anyone still waiting in __aenter__

    def subscribe(self, tenant_id: str) -> Subscription:
        """A subscription to ``tenant_id``'s events; use it with ``async with``."""
        if not tenant_id:
            raise ValueError("tenant_id is required")
        return Subscription(self, tenant_id, self._queue_size)

    @property
    def subscriber_count(self) -> int:
        """Local subscribers currently being fed (all tenants)."""
        return sum(len(tenant.subscribers) for tenant in self._tenants.values())

    @property
    def connected(self) -> bool:
        """Whether the pub/sub connection is up (for /readyz)."""
        return self._connected

    # -- subscriber registration (called by Subscription) ------------------------------------

    def _register(self, sub: Subscription) -> tuple[_Tenant, bool]:
        if self._stopped:
            raise RuntimeError("EventHub is stopped")
        channel = tenant_channel(sub.tenant_id)
        tenant = self._tenants.get(channel)
        first = tenant is None
        if tenant is None:
            tenant = self._tenants[channel] = _Tenant(sub.tenant_id)
        tenant.refs += 1
        tenant.subscribers.add(sub)
        sub._tenant = tenant
        return tenant, first

    async def _await_subscribed(self, tenant: _Tenant, first: bool) -> None:
        if first:
            await self._send_channel_command("SUBSCRIBE", tenant.channel)
        # While Redis is down this waits for the reconnect, which re-subscribes every
        # registered channel; wrap `async with` in asyncio.timeout() to bound it.
        await tenant.confirmed.wait()

    async def _unregister(self, sub: Subscription) -> None:
        tenant, sub._tenant = sub._tenant, None
        if tenant is None:
            return
        tenant.subscribers.discard(sub)
        tenant.refs -= 1
        if tenant.refs > 0 or self._tenants.get(tenant.channel) is not tenant:
            return
        del self._tenants[tenant.channel]
        if not self._stopped:
            await self._send_channel_command("UNSUBSCRIBE", tenant.channel)

    async def _send_channel_command(self, command: str, channel: str) -> None:
        """SUBSCRIBE/UNSUBSCRIBE on the shared connection, from any task.

        Only writes: the reader task alone reads, so it receives the acknowledgement. When not
        connected nothing is sent; the reader's reconnect subscribes exactly the channels that
        have local subscribers at that moment.
        """
        async with self._cmd_lock:
            pubsub = self._pubsub
            if not self._connected or pubsub is None or not self._socket_open(pubsub):
                return
            try:
                if command == "SUBSCRIBE":
                    self._inflight[channel] = self._inflight.get(channel, 0) + 1
                    await pubsub.subscribe(channel)
                else:
                    await pubsub.unsubscribe(channel)
            except (RedisError, OSError) as exc:
                # The write closed the socket; the reader notices, reconnects and re-subscribes.
                logger.debug(
                    "pub/sub command failed; leaving it to the reconnect",
                    extra={
                        "event": "events_hub.command_failed",
                        "command": command,
                        "channel": channel,
                        "error": _describe(exc),
                    },
                )

    # -- reader task -------------------------------------------------------------------------

    async def _run(self) -> None:
        delay = self._reconnect_delay
        attempt = 0
        while True:
            connected = False
            try:
                await self._connect()
                connected = True
                self._log_connected(attempt)
                self._first_attempt.set()
                delay, attempt = self._reconnect_delay, 0
                await self._read_loop()
            except Exception as exc:  # the reader must survive anything; it is the only one
                attempt += 1
                if connected:
                    self._disconnected_at = asyncio.get_running_loop().time()
                    logger.warning(
                        "redis pub/sub connection lost; reconnecting",
                        extra={
                            "event": "events_hub.disconnected",
                            "error": _describe(exc),
                            "channels": len(self._tenants),
                            "retry_in_s": delay,
                        },
                        exc_info=not isinstance(exc, (RedisError, OSError)),
                    )
                else:
                    logger.warning(
                        "redis pub/sub connect failed; retrying",
                        extra={
                            "event": "events_hub.connect_failed",
                            "error": _describe(exc),
                            "attempt": attempt,
                            "retry_in_s": delay,
                        },
                    )
            await self._disconnect()
            self._first_attempt.set()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_reconnect_delay)

    def _log_connected(self, attempts: int) -> None:
        if self._disconnected_at is None:
            logger.info(
                "redis pub/sub connected",
                extra={"event": "events_hub.connected", "channels": len(self._tenants)},
            )
            return
        outage = asyncio.get_running_loop().time() - self._disconnected_at
        self._disconnected_at = None
        logger.info(
            "redis pub/sub reconnected",
            extra={
                "event": "events_hub.reconnected",
                "outage_s": round(outage, 3),
                "attempts": attempts,
                "channels": len(self._tenants),
            },
        )

    async def _connect(self) -> None:
        pubsub = self._redis.pubsub()
        try:
            async with self._cmd_lock:
                channels = list(self._tenants)
                self._inflight = dict.fromkeys(channels, 1)
                if channels:
                    await pubsub.subscribe(*channels)
                else:
                    await pubsub.connect()
                self._pubsub = pubsub
                self._connected = True
        except BaseException:
            await self._close_pubsub(pubsub)
            raise

    async def _disconnect(self) -> None:
        async with self._cmd_lock:
            pubsub, self._pubsub = self._pubsub, None
            self._connected = False
            self._inflight = {}
            for tenant in self._tenants.values():
                # Whatever was published from the last frame we read onwards may be lost.
                if tenant.confirmed.is_set():
                    tenant.missed = True
                tenant.confirmed.clear()
        if pubsub is not None:
            await self._close_pubsub(pubsub)

    @staticmethod
    async def _close_pubsub(pubsub: PubSub) -> None:
        try:
            await pubsub.aclose()
        except Exception:  # closing a broken socket may fail; it is being dropped anyway
            logger.debug("closing pub/sub connection failed", exc_info=True)

    @staticmethod
    def _socket_open(pubsub: PubSub) -> bool:
        conn = pubsub.connection
        return conn is not None and bool(conn.is_connected)

    async def _read_loop(self) -> None:
        pubsub = self._pubsub
        assert pubsub is not None
        loop = asyncio.get_running_loop()
        last_frame = loop.time()
        ping_sent = False
        while True:
            if not self._socket_open(pubsub):
                # A failed write from another task closed the socket. Do not let get_message()
                # reconnect on its own: that would re-subscribe without reporting a Gap.
                raise RedisConnectionError("pub/sub socket closed")
            # Polling with a timeout is safe (redis-py's parser is cancellation-safe) and gives
            # us a tick for the heartbeat.
            message = await pubsub.get_message(timeout=self._poll_interval)
            now = loop.time()
            if message is None:
                idle = now - last_frame
                if idle >= 3 * self._heartbeat_interval:
                    raise RedisTimeoutError(f"no frame from redis for {idle:.1f}s")
                if idle >= self._heartbeat_interval and not ping_sent:
                    # A PONG proves the link is alive.
                    async with self._cmd_lock:
                        await pubsub.ping(_HEARTBEAT_MESSAGE)
                    ping_sent = True
                continue
            last_frame, ping_sent = now, False
            self._handle(message)

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "message":
            channel = _text(message["channel"])
            tenant = self._tenants.get(channel)
            if tenant is None:  # in flight while we unsubscribed
                return
            envelope = self._parse(message["data"], channel)
            if envelope is not None:
                self._deliver(tenant, envelope)
        elif kind == "subscribe":
            channel = _text(message["channel"])
            remaining = self._inflight.get(channel, 0) - 1
            if remaining > 0:
                self._inflight[channel] = remaining
                return
            self._inflight.pop(channel, None)
            tenant = self._tenants.get(channel)
            if tenant is not None:
                tenant.confirmed.set()
                if tenant.missed:
                    # Acks precede the channel's messages on this connection, so the Gap is
                    # queued ahead of anything published after the re-subscription.
                    tenant.missed = False
                    for sub in tenant.subscribers:
                        sub._gap("reconnected")
        # "unsubscribe" acks are bookkept by redis-py's PubSub; "pong" only proves liveness.

    def _parse(self, data: bytes | str, channel: str) -> Envelope | None:
        try:
            envelope = orjson.loads(data)
        except orjson.JSONDecodeError:
            envelope = None
        if not isinstance(envelope, dict):
            logger.warning(
                "dropping malformed event message",
                extra={"event": "events_hub.malformed", "channel": channel},
            )
            return None
        return envelope

    # -- fan-out -----------------------------------------------------------------------------

    def _deliver(self, tenant: _Tenant, envelope: Envelope) -> None:
        """Hand ``envelope`` to every subscriber of ``tenant``; a full queue becomes a Gap."""
        for sub in tenant.subscribers:
            try:
                sub._queue.put_nowait(envelope)  # never await: one slow client must not stall all
            except asyncio.QueueFull:
                sub._gap("overflow")
                logger.info(
                    "slow subscriber will replay from the outbox",
                    extra={
                        "event": "events_hub.overflow",
                        "tenant_id": tenant.tenant_id,
                        "queue_size": self._queue_size,
                    },
                )
