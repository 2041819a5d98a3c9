"""The audit log as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from domain.audit.checkpoints import Checkpoint
from schema.errors import UserError
from schema.relay import PageInfo
from schema.scalars import JSON


@strawberry.type(description="One audit row: who did what to which aggregate, when and from where.")
class AuditLogEntry:
    seq: int = strawberry.field(description="Position in the tenant's chain, gapless from 1.")
    occurred_at: datetime
    actor_user_id: strawberry.ID | None = strawberry.field(
        description="The user who acted (null for a failed sign-in with an unknown email)."
    )
    api_key_id: strawberry.ID | None = strawberry.field(
        description="The API key used, if the call was made with one."
    )
    operation: str = strawberry.field(description='The mutation\'s name, or "login".')
    outcome: str = strawberry.field(description='"ok", or the error code that refused it.')
    aggregate_type: str | None
    aggregate_id: strawberry.ID | None
    changes: JSON | None = strawberry.field(
        description='Changed fields: {"field": {"before": ..., "after": ...}}. Sensitive '
        'fields show "[redacted]" instead of their values.'
    )
    ip_address: str | None
    user_agent: str | None
    request_id: str | None
    correlation_id: str | None
    prev_hash: str = strawberry.field(description="The hash of the previous row (hex).")
    hash: str = strawberry.field(
        description="HMAC-SHA256 over prev_hash and this row's content under a key only the "
        "server holds (SHA-256 for rows written before the chain was keyed)."
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AuditLogEntry:
        def ident(value: object) -> strawberry.ID | None:
            return None if value is None else strawberry.ID(str(value))

        return cls(
            seq=row["seq"],
            occurred_at=row["occurred_at"],
            actor_user_id=ident(row["actor_user_id"]),
            api_key_id=ident(row["api_key_id"]),
            operation=row["operation"],
            outcome=row["outcome"],
            aggregate_type=row["aggregate_type"],
            aggregate_id=ident(row["aggregate_id"]),
            changes=row["changes"],
            ip_address=row["ip_address"],
            user_agent=row["user_agent"],
            request_id=row["request_id"],
            correlation_id=row["correlation_id"],
            prev_hash=row["prev_hash"],
            hash=row["hash"],
        )


@strawberry.type
class AuditLogEdge:
    cursor: str
    node: AuditLogEntry


@strawberry.type
class AuditLogConnection:
    edges: list[AuditLogEdge]
    page_info: PageInfo


@strawberry.input(description="Every given filter must match; all are optional.")
class AuditLogFilter:
    actor_user_id: strawberry.ID | None = None
    operation: str | None = None
    outcome: str | None = None
    aggregate_type: str | None = None
    aggregate_id: strawberry.ID | None = None
    from_: datetime | None = strawberry.field(
        name="from", default=None, description="Rows that occurred at or after this moment."
    )
    to: datetime | None = strawberry.field(
        default=None, description="Rows that occurred before this moment."
    )


@strawberry.type(description="The last row of one audit lane when a checkpoint was taken.")
class AuditLaneHead:
    lane: int
    seq: int
    hash: str


@strawberry.type(
    description="A signed statement of where each of the tenant's audit lanes ended at a moment. "
    "Keep `token` outside BigLedger: `verifyAuditChain(against: token)` then finds rows removed "
    "or re-hashed since, even by someone holding the database."
)
class AuditCheckpoint:
    token: str = strawberry.field(
        description="The checkpoint as a compact JWS (RS256, header typ audit-checkpoint+jwt), "
        "verifiable with the keys at /.well-known/jwks.json; its claims hold tenant, issuedAt "
        "and lanes."
    )
    issued_at: datetime
    lanes: list[AuditLaneHead]

    @classmethod
    def from_domain(cls, checkpoint: Checkpoint) -> AuditCheckpoint:
        return cls(
            token=checkpoint.token,
            issued_at=checkpoint.issued_at,
            lanes=[AuditLaneHead(lane=h.lane, seq=h.seq, hash=h.hash) for h in checkpoint.lanes],
        )


@strawberry.type
class AuditCheckpointError(UserError):
    pass


@strawberry.type
class AuditCheckpointPayload:
    checkpoint: AuditCheckpoint | None
    errors: list[AuditCheckpointError]


@strawberry.type(description="The result of recomputing the tenant's audit hash chain.")
class AuditChainVerification:
    ok: bool
    checked_rows: int = strawberry.field(description="Rows that checked out, from seq 1 on.")
    first_broken_seq: int | None = strawberry.field(
        description="The first row that does not check out (altered, missing or unlinked)."
    )
    reason: str | None
    head_hash: str = strawberry.field(
        description="Hash of the last row that checked out. Keep it somewhere else: a later "
        "check that does not reach it means rows were removed from the end."
    )
    checkpoint: AuditCheckpoint | None = strawberry.field(
        default=None,
        description="The checkpoint the lanes were held to: the one given as `against`, else "
        "the newest one the server keeps (null if there is none).",
    )
