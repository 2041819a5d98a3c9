"""Sales model: idempotency keys of sales commands (the request's fingerprint)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from domain.shared.errors import DomainError, ErrorCode

IDEMPOTENCY_KEY_MAX = 200


def fingerprint(content: Any) -> str:
    """What makes two requests with one idempotency key "the same request"."""
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX:
        raise DomainError.single(
            ErrorCode.INVALID,
            f"An idempotency key has 1 to {IDEMPOTENCY_KEY_MAX} characters.",
            "idempotencyKey",
        )
    return key
