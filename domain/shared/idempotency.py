"""Idempotency keys: a request sent again under the key it was first sent with gets the first
request's result instead of doing the work twice.

Every context keeps its own table of keys (journal, sales and purchasing requests) but claims
them the same way: `claim_request` answers None when the key is new (it is then ours until the
commit; a concurrent request with the same key waits for us), otherwise the `PriorRequest` that
used it first. The caller compares fingerprints: the same key with other input is a conflict.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class PriorRequest:
    """The first request that used an idempotency key: its fingerprint and the id of what it
    made (None only while that request is still uncommitted)."""

    fingerprint: str
    result_id: uuid.UUID | None
