"""Sign-in throttling: failures counted per account (tenant + email) and per client IP.

The rules: the first `free_failures` failures cost nothing; after them every attempt waits —
`base_delay`, doubling with each further failure, capped at `max_delay`; at `lock_failures`
failures sign-in is refused for `lock_seconds`, even with the right password. A success clears
the account's count. Counters are forgotten `window_seconds` after the last attempt.

An attempt is counted *before* the password is checked (and taken back if it succeeds), so
attempts fired in parallel each get their own number: a flood cannot slip past the delays, and
no more than `lock_failures` guesses per account get checked before the lock.

Accounts that do not exist are counted like ones that do, so the answers reveal nothing.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from domain.shared.errors import Unauthenticated


@dataclass(frozen=True)
class FailureRule:
    free_failures: int
    lock_failures: int
    base_delay: float
    max_delay: float

    def delay(self, failures: int) -> float:
        """Seconds the next attempt waits, after `failures` failures in a row."""
        if failures < self.free_failures:
            return 0.0
        return min(self.max_delay, self.base_delay * 2 ** (failures - self.free_failures))

    def locks(self, failures: int) -> bool:
        return failures >= self.lock_failures


@dataclass(frozen=True)
class ThrottlePolicy:
    account: FailureRule
    client: FailureRule
    lock_seconds: int = 900
    window_seconds: int = 900


def locked_message(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"Too many failed sign-ins; try again in {minutes} minute{'s' if minutes > 1 else ''}."


class Action(StrEnum):
    """What happens to one counter when an attempt ends."""

    KEEP = "keep"  # the attempt stays counted as a failure
    LOCK = "lock"  # lock for lock_seconds and start counting afresh after
    RESET = "reset"  # success: the failures in a row are over
    UNDO = "undo"  # the attempt does not count (a success, seen from the IP)


@dataclass(frozen=True)
class Counts:
    """Attempts counted so far, this one included (`client` is None without an IP)."""

    account: int
    client: int | None


class ThrottleStore(Protocol):
    """Atomic counters (Redis). `begin` counts the attempt unless a lock is in force."""

    async def begin(
        self, tenant_slug: str, email: str, window_seconds: int
    ) -> Counts | float | None:
        """Counts, or the seconds left of a lock in force, or None when the store is down."""

    async def end(
        self,
        tenant_slug: str,
        email: str,
        account: Action,
        client: Action,
        lock_seconds: int,
    ) -> None: ...


@dataclass
class Attempt:
    _throttle: SignInThrottle
    _slug: str
    _email: str
    _counts: Counts | None

    async def failed(self) -> None:
        if self._counts is None:
            return
        rules, counts = self._throttle.policy, self._counts
        account = Action.LOCK if rules.account.locks(counts.account) else Action.KEEP
        client = (
            Action.LOCK
            if counts.client is not None and rules.client.locks(counts.client)
            else Action.KEEP
        )
        await self._throttle.store.end(self._slug, self._email, account, client, rules.lock_seconds)

    async def succeeded(self) -> None:
        if self._counts is None:
            return
        await self._throttle.store.end(
            self._slug, self._email, Action.RESET, Action.UNDO, self._throttle.policy.lock_seconds
        )


class SignInThrottle:
    """The port `domain.identity.handlers.login` uses: begin an attempt, then report how it went."""

    def __init__(self, store: ThrottleStore, policy: ThrottlePolicy) -> None:
        self.store = store
        self.policy = policy

    async def begin(self, tenant_slug: str, email: str) -> Attempt:
        """Wait as long as the failures so far demand; raise Unauthenticated while locked."""
        slug, mail = tenant_slug.strip().lower(), email.strip().lower()
        policy = self.policy
        result = await self.store.begin(slug, mail, policy.window_seconds)
        if isinstance(result, float | int):
            raise Unauthenticated(locked_message(result))
        if result is None:  # the store is unavailable: let the password check decide alone
            return Attempt(self, slug, mail, None)
        before_account = result.account - 1  # failures before this attempt
        before_client = None if result.client is None else result.client - 1
        account_locks = policy.account.locks(before_account)
        client_locks = before_client is not None and policy.client.locks(before_client)
        if account_locks or client_locks:  # reached the limit in a burst: lock now
            await self.store.end(
                slug,
                mail,
                Action.LOCK if account_locks else Action.UNDO,
                Action.LOCK if client_locks else Action.UNDO,
                policy.lock_seconds,
            )
            raise Unauthenticated(locked_message(policy.lock_seconds))
        delay = max(
            policy.account.delay(before_account),
            policy.client.delay(before_client) if before_client is not None else 0.0,
        )
        if delay > 0:
            await asyncio.sleep(delay)
        return Attempt(self, slug, mail, result)
