"""kombu's Redis transport, with one change: a worker survives a Redis restart under load.

Celery 5.7 handles a lost broker connection by `collect()`ing the consumer's kombu connection
(which sets its transport's `client` to None) and then `close()`ing it. Closing closes the
default channel, and a channel with delivered-but-unacknowledged messages (acks_late tasks in
flight: any worker under load) first restores them to the queue; its pool was already dropped,
so it builds a new one from `self.connection.client.hostname` — None by then. The
AttributeError is not a connection error, so Celery's `ignore_errors` lets it through, the
consumer's blueprint fails with "Unrecoverable error: AttributeError("'NoneType' object has no
attribute 'hostname'")" and the worker process exits (with status 0).

Here that case raises the transport's own ConnectionError instead, which Celery expects there
and ignores; the consumer reconnects. The messages it could not restore stay in the broker's
unacked hash: Redis hands them out again after the visibility timeout, and the outbox relay
re-dispatches their events long before (workers/relay.py).
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> Any:
        if self.connection.client is None:  # the connection was collected: nothing to reach
            raise RedisConnectionError("the broker connection of this channel is closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel


TRANSPORT = f"{__name__}:Transport"
