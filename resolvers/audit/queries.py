"""The tenant's audit log and the check of its hash chain (admins)."""

from __future__ import annotations

import base64
import uuid

import strawberry

from db.audit import AuditFilter, page, verify_chain
from resolvers.errors import bad_input
from schema.audit.types import (
    AuditChainVerification,
    AuditLogConnection,
    AuditLogEdge,
    AuditLogEntry,
    AuditLogFilter,
)
from schema.permissions import guarded
from schema.relay import InvalidCursor, PageInfo, clamp_first

_CURSOR_PREFIX = "audit:"


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        if raw.startswith(_CURSOR_PREFIX):
            seq = int(raw.removeprefix(_CURSOR_PREFIX))
            if seq > 0:
                return seq
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidCursor("`after` is not a cursor returned by this API.")


def _uuid(value: strawberry.ID | None, argument: str) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise bad_input(f"`{argument}` is not an id.", argument) from None


def _filters(given: AuditLogFilter | None) -> AuditFilter:
    if given is None:
        return AuditFilter()
    return AuditFilter(
        actor_user_id=_uuid(given.actor_user_id, "filter.actorUserId"),
        operation=given.operation,
        outcome=given.outcome,
        aggregate_type=given.aggregate_type,
        aggregate_id=_uuid(given.aggregate_id, "filter.aggregateId"),
        occurred_from=given.from_,
        occurred_to=given.to,
    )


@strawberry.type
class AuditQueries:
    @strawberry.field(
        **guarded(
            "audit:read",
            "Your tenant's audit log, newest first: every command, refused call and sign-in.",
        )
    )
    async def audit_log(
        self,
        info: strawberry.Info,
        filter: AuditLogFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> AuditLogConnection:
        try:
            size = clamp_first(first)
            position = decode_cursor(after) if after else None
        except InvalidCursor as exc:
            raise bad_input(str(exc), "after") from None
        except ValueError as exc:
            raise bad_input(str(exc), "first") from None
        context = info.context
        rows = await page(
            context.services.engines.root,
            context.tenant_id,  # only ever the caller's tenant: the table is shared
            _filters(filter),
            first=size,
            after=position,
        )
        edges = [
            AuditLogEdge(cursor=encode_cursor(r["seq"]), node=AuditLogEntry.from_row(r))
            for r in rows[:size]
        ]
        return AuditLogConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > size,
                has_previous_page=position is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(
        **guarded(
            "audit:verify",
            "Recompute your tenant's audit hash chain: ok, or the first row that was altered, "
            "removed or re-linked.",
        )
    )
    async def verify_audit_chain(self, info: strawberry.Info) -> AuditChainVerification:
        context = info.context
        result = await verify_chain(context.services.engines.root, context.tenant_id)
        return AuditChainVerification(
            ok=result.ok,
            checked_rows=result.checked_rows,
            first_broken_seq=result.first_broken_seq,
            reason=result.reason,
            head_hash=result.head_hash,
        )
