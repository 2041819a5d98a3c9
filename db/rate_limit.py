"""A token bucket in Redis: one Lua script, atomic, one round trip per hit.

The bucket holds up to `burst` tokens and refills at `rate_per_minute / 60` tokens a second; a
hit takes one token or is refused with the seconds until one is back. Time is Redis's own
(`TIME`), so API replicas with drifting clocks share one notion of "now". Redis being down is
not a reason to refuse work: the hit is allowed and a warning logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError

logger = logging.getLogger("bigledger.ratelimit")

# KEYS[1]: the bucket (hash: t = tokens, ts = last refill, seconds). ARGV: rate/s, burst.
# Returns {allowed (0/1), seconds until a token is available (string: Lua numbers would be
# truncated to integers on the way out)}.
_BUCKET_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate)
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, tostring(wait)}
"""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float  # seconds until the next token (0 when allowed)


ALLOWED = Verdict(True, 0.0)


class TokenBuckets:
    def __init__(self, redis: Redis) -> None:
        self._script = redis.register_script(_BUCKET_SCRIPT)

    async def hit(self, key: str, rate_per_minute: float, burst: int) -> Verdict:
        """Take a token from bucket `key`; `rate_per_minute <= 0` means unlimited."""
        if rate_per_minute <= 0 or burst <= 0:
            return ALLOWED
        try:
            allowed, wait = await self._script(keys=[key], args=[rate_per_minute / 60.0, burst])
        except RedisError:
            logger.warning("rate limit not applied: Redis unavailable", exc_info=True)
            return ALLOWED
        return Verdict(bool(int(allowed)), float(wait))

    def queue_hit(self, pipe: Pipeline, key: str, rate_per_minute: float, burst: int) -> None:
        """The same hit as a command of the caller's pipeline (read it with `reply_verdict`).
        EVALSHA alone: a pipeline running the script object would first ask SCRIPT EXISTS."""
        pipe.evalsha(self._script.sha, 1, key, rate_per_minute / 60.0, burst)

    @staticmethod
    def reply_verdict(reply: Any) -> Verdict | None:
        """None when the queued hit failed (e.g. NOSCRIPT after a Redis restart): `hit` it."""
        if isinstance(reply, Exception):
            return None
        allowed, wait = reply
        return Verdict(bool(int(allowed)), float(wait))


TENANTS_REMEMBERED = 10_000


def tenant_bucket_key(tenant_id: object) -> str:
    return f"ratelimit:tenant:{tenant_id}"


@dataclass(frozen=True)
class RateLimits:
    """Defaults (settings): per tenant when signed in, per client IP when not. 0: no limit."""

    per_minute: int = 1000
    burst: int = 100
    anonymous_per_minute: int = 1200
    anonymous_burst: int = 300


class RateLimiter:
    def __init__(self, redis: Redis, limits: RateLimits) -> None:
        self.buckets = TokenBuckets(redis)
        self.limits = limits
        # tenant -> (per minute, burst) of its last hit in this process: what a pipelined hit
        # of its next request uses (see `queue_tenant_hit`).
        self._last_tenant_limits: dict[object, tuple[int, int]] = {}

    def tenant_limits(
        self, per_minute: int | None = None, burst: int | None = None
    ) -> tuple[int, int]:
        """A plan's rate and burst, the deployment's defaults where the plan sets none."""
        return per_minute or self.limits.per_minute, burst or self.limits.burst

    async def for_tenant(
        self, tenant_id: object, per_minute: int | None = None, burst: int | None = None
    ) -> Verdict:
        """A tenant's bucket; its plan's rate and burst when given, else the defaults."""
        if self.limits.per_minute <= 0:  # switched off for the whole deployment
            return ALLOWED
        limits = self.tenant_limits(per_minute, burst)
        if len(self._last_tenant_limits) >= TENANTS_REMEMBERED:
            del self._last_tenant_limits[next(iter(self._last_tenant_limits))]
        self._last_tenant_limits[tenant_id] = limits
        return await self.buckets.hit(tenant_bucket_key(tenant_id), *limits)

    def queue_tenant_hit(self, pipe: Pipeline, tenant_id: object) -> tuple[int, int] | None:
        """Queue the tenant's hit on `pipe` with the limits its last hit used here; the limits
        queued, or None (nothing queued: a tenant not seen yet, or no limit to apply). Its
        caller compares them with the plan's limits once it knows them: if they differ, the
        queued verdict is ignored and `for_tenant` decides."""
        limits = self._last_tenant_limits.get(tenant_id)
        if limits is None or self.limits.per_minute <= 0 or min(limits) <= 0:
            return None
        self.buckets.queue_hit(pipe, tenant_bucket_key(tenant_id), *limits)
        return limits

    async def for_client(self, ip: str | None) -> Verdict:
        """Callers that are not signed in, by IP address (a separate, generous bucket)."""
        return await self.buckets.hit(
            f"ratelimit:ip:{ip or 'unknown'}",
            self.limits.anonymous_per_minute,
            self.limits.anonymous_burst,
        )
