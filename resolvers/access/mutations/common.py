from __future__ import annotations

from typing import TypeVar

import strawberry

T = TypeVar("T")


async def access_changed(info: strawberry.Info) -> None:
    """After a committed change: every cached grant of the tenant is stale from now on."""
    await info.context.services.access.invalidate(info.context.tenant_id)


def given(value: T) -> T | None:
    """An input field the client left out (UNSET) means: keep what is there."""
    return None if value is strawberry.UNSET else value
