"""Checkpoints: a signed statement of where each audit lane of a tenant ended at a moment.

A checkpoint names each lane's last row (stored seq and hash) and when it was taken, signed by
the server's JWT key (RS256) so anyone holding the published JWKS can check it, and a tenant can
keep it outside the server. Verifying the log against a checkpoint finds what the chain alone
cannot: rows removed from a lane's end, and history re-hashed by someone holding the chain key.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

PURPOSE = "audit-checkpoint"  # the `purpose` claim: never an access token, nor the reverse
# The JWS header's `typ` (explicit typing, RFC 8725).
TOKEN_TYPE = "audit-checkpoint+jwt"  # noqa: S105 -- a media type, not a secret


class InvalidCheckpoint(Exception):
    """Not a checkpoint this server signed, or not a well-formed one. Safe to show."""


@dataclass(frozen=True)
class LaneHead:
    """A lane's last row as a checkpoint holds it."""

    lane: int
    seq: int
    hash: str


@dataclass(frozen=True)
class Checkpoint:
    tenant_id: uuid.UUID
    issued_at: datetime
    lanes: tuple[LaneHead, ...]
    token: str = ""  # the compact JWS, once signed

    def claims(self, issuer: str) -> dict[str, Any]:
        return {
            "iss": issuer,
            "purpose": PURPOSE,
            "tenant": str(self.tenant_id),
            "iat": int(self.issued_at.timestamp()),
            "issuedAt": self.issued_at.astimezone(UTC).isoformat(),
            "lanes": [{"lane": h.lane, "seq": h.seq, "hash": h.hash} for h in self.lanes],
        }

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any], token: str) -> Checkpoint:
        """The checkpoint a verified token's claims state; InvalidCheckpoint if they do not
        state one."""
        if claims.get("purpose") != PURPOSE:
            raise InvalidCheckpoint("The token is not an audit checkpoint.")
        try:
            lanes = tuple(
                LaneHead(int(h["lane"]), int(h["seq"]), str(h["hash"])) for h in claims["lanes"]
            )
            return cls(
                tenant_id=uuid.UUID(str(claims["tenant"])),
                issued_at=datetime.fromisoformat(str(claims["issuedAt"])),
                lanes=lanes,
                token=token,
            )
        except (KeyError, TypeError, ValueError):
            raise InvalidCheckpoint("The checkpoint's claims are malformed.") from None


class CheckpointSigner(Protocol):
    """Signs and checks checkpoints with the server's published signing key."""

    def sign(self, checkpoint: Checkpoint) -> str:
        """The checkpoint as a compact JWS."""

    def verify(self, token: str) -> Checkpoint:
        """The checkpoint a token states, if this server signed it; else InvalidCheckpoint."""


def heads_of(checkpoint: Checkpoint | None) -> Sequence[LaneHead]:
    return () if checkpoint is None else checkpoint.lanes
