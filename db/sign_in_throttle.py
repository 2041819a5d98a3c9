"""Failed sign-in counters and locks in Redis (the rules are in domain/identity/throttle.py).

Per account `signin:fail:acct:<tenant slug>:<sha256(email)>` (emails are personal data: only a
hash goes into key names) and per client `signin:fail:ip:<ip>`, each with a lock key beside it.
Each step is one Lua script — atomic, one round trip. Redis being down does not stop sign-ins;
the password check alone decides then, and a warning is logged.
"""

from __future__ import annotations

import hashlib
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from domain.identity.throttle import Action, Counts, SignInThrottle, ThrottlePolicy

logger = logging.getLogger("bigledger.signin")

# KEYS: counter, lock pairs. ARGV[1]: window ms. A lock in force: {-1, ms left}. Otherwise
# every counter is incremented (and its window renewed) and the new values returned.
_BEGIN = """
local locked = 0
for i = 2, #KEYS, 2 do
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl > locked then locked = ttl end
end
if locked > 0 then return {-1, locked} end
local out = {}
for i = 1, #KEYS, 2 do
  out[#out + 1] = redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
return out
"""

# KEYS: counter, lock pairs. ARGV[1]: lock ms; ARGV[2..]: the action for each pair.
_END = """
for i = 1, #KEYS, 2 do
  local action = ARGV[(i + 1) / 2 + 1]
  if action == 'lock' then
    redis.call('SET', KEYS[i + 1], '1', 'PX', ARGV[1])
    redis.call('DEL', KEYS[i])
  elseif action == 'reset' then
    redis.call('DEL', KEYS[i])
  elseif action == 'undo' then
    local n = tonumber(redis.call('GET', KEYS[i]) or '0')
    if n > 1 then redis.call('DECR', KEYS[i]) elseif n == 1 then redis.call('DEL', KEYS[i]) end
  end
end
return 0
"""


class RedisThrottleStore:
    """The counters of one client (IP address, if known) and the accounts it tries."""

    def __init__(self, owner: SignInThrottles, ip: str | None) -> None:
        self._owner = owner
        self._ip = ip

    def _keys(self, tenant_slug: str, email: str) -> list[str]:
        digest = hashlib.sha256(email.encode()).hexdigest()[:32]
        account = f"acct:{tenant_slug}:{digest}"
        keys = [f"signin:fail:{account}", f"signin:lock:{account}"]
        if self._ip:
            keys += [f"signin:fail:ip:{self._ip}", f"signin:lock:ip:{self._ip}"]
        return keys

    async def begin(
        self, tenant_slug: str, email: str, window_seconds: int
    ) -> Counts | float | None:
        keys = self._keys(tenant_slug, email)
        try:
            result = await self._owner.begin_script(keys=keys, args=[window_seconds * 1000])
        except RedisError:
            logger.warning("sign-in throttling skipped: Redis unavailable", exc_info=True)
            return None
        values = [int(v) for v in result]
        if values[0] == -1:
            return values[1] / 1000.0
        return Counts(account=values[0], client=values[1] if len(values) > 1 else None)

    async def end(
        self, tenant_slug: str, email: str, account: Action, client: Action, lock_seconds: int
    ) -> None:
        keys = self._keys(tenant_slug, email)
        actions = [account.value, client.value][: len(keys) // 2]
        if Action.LOCK.value in actions:  # security-relevant; the email stays out of the log
            logger.warning(
                "sign-in locked",
                extra={
                    "tenantSlug": tenant_slug,
                    "account": account is Action.LOCK,
                    "ip": self._ip if client is Action.LOCK else None,
                    "lockSeconds": lock_seconds,
                },
            )
        try:
            await self._owner.end_script(keys=keys, args=[lock_seconds * 1000, *actions])
        except RedisError:
            logger.warning("sign-in throttling not recorded: Redis unavailable", exc_info=True)


class SignInThrottles:
    """Process-wide; hands out the throttle for one request's client."""

    def __init__(self, redis: Redis, policy: ThrottlePolicy) -> None:
        self.policy = policy
        self.begin_script = redis.register_script(_BEGIN)
        self.end_script = redis.register_script(_END)

    def for_client(self, ip: str | None) -> SignInThrottle:
        return SignInThrottle(RedisThrottleStore(self, ip), self.policy)
