"""The domain's URL rule (domain/webhooks/url_policy.py) with the real resolver, off the event
loop (a DNS lookup blocks)."""

from __future__ import annotations

import asyncio

from domain.webhooks.url_policy import check_endpoint_url, resolve_host


class ResolvingUrlPolicy:
    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private

    async def check(self, url: str) -> str:
        return await asyncio.to_thread(
            check_endpoint_url, url, allow_private=self.allow_private, resolve=resolve_host
        )
