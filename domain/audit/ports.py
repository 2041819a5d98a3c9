"""What the domain asks of the audit store."""

from __future__ import annotations

import uuid
from typing import Protocol


class SignInAudit(Protocol):
    """Records a sign-in attempt (success or failure) for the request that made it."""

    async def sign_in(
        self,
        *,
        tenant_slug: str,
        tenant_id: uuid.UUID | None,
        user_id: uuid.UUID | None,
        outcome: str,
    ) -> None:
        """`tenant_id`/`user_id` are known when the email exists in the tenant; when only the
        slug is known the store looks the tenant up (and skips the row if there is none)."""
