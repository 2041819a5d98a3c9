"""The tenant's audit log and the check of its hash chain (admins)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from db.audit import AuditFilter, page, verify_chain
from db.audit_checkpoints import kept
from domain.audit.checkpoints import Checkpoint, CheckpointSigner, InvalidCheckpoint, heads_of
from domain.audit.model import GENESIS_HASH
from resolvers.errors import bad_input
from resolvers.ids import optional_argument_id
from schema.audit.types import (
    AuditChainVerification,
    AuditCheckpoint,
    AuditLogConnection,
    AuditLogEdge,
    AuditLogEntry,
    AuditLogFilter,
)
from schema.cursors import AUDIT_SEQUENCE
from schema.permissions import guarded
from schema.relay import page_info, page_size


def _filters(given: AuditLogFilter | None) -> AuditFilter:
    if given is None:
        return AuditFilter()
    return AuditFilter(
        actor_user_id=optional_argument_id(given.actor_user_id, "filter.actorUserId"),
        operation=given.operation,
        outcome=given.outcome,
        aggregate_type=given.aggregate_type,
        aggregate_id=optional_argument_id(given.aggregate_id, "filter.aggregateId"),
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
        size = page_size(first)
        position = AUDIT_SEQUENCE.decode(after)[0] if after else None
        context = info.context
        rows = await page(
            context.services.engines.root,
            context.tenant_id,  # only ever the caller's tenant: the table is shared
            _filters(filter),
            first=size,
            after=position,
        )
        edges = [
            AuditLogEdge(cursor=AUDIT_SEQUENCE.encode(r["seq"]), node=AuditLogEntry.from_row(r))
            for r in rows[:size]
        ]
        return AuditLogConnection(
            edges=edges,
            page_info=page_info(edges, len(rows) > size, position is not None),
        )

    @strawberry.field(
        **guarded(
            "audit:verify",
            "Recompute your tenant's keyed audit hash chain and hold each lane to a checkpoint "
            "(`against`, else the newest the server keeps): ok, or the first row that was "
            "altered, forged, removed, re-linked or re-hashed, or where a lane was truncated.",
        )
    )
    async def verify_audit_chain(
        self,
        info: strawberry.Info,
        against: Annotated[
            str | None,
            strawberry.argument(
                description="A checkpoint's token (from auditCheckpoint or auditCheckpoints) "
                "that you kept."
            ),
        ] = None,
    ) -> AuditChainVerification:
        context = info.context
        services = context.services
        signer = signer_of(context)
        checkpoint: Checkpoint | None = None
        if against is not None:
            try:
                checkpoint = signer.verify(against)
            except InvalidCheckpoint as exc:
                raise bad_input(str(exc), "against") from None
            if checkpoint.tenant_id != context.tenant_id:
                raise bad_input("The checkpoint is another tenant's.", "against")
        else:
            newest = await kept(services.engines.root, context.tenant_id, 1)
            if newest:
                try:
                    checkpoint = signer.verify(newest[0])
                    if checkpoint.tenant_id != context.tenant_id:
                        raise InvalidCheckpoint("another tenant's")
                except InvalidCheckpoint:
                    return AuditChainVerification(
                        ok=False,
                        checked_rows=0,
                        first_broken_seq=None,
                        reason="The newest checkpoint the server keeps does not verify with its "
                        "signing key: the stored checkpoints were tampered with.",
                        head_hash=GENESIS_HASH,
                    )
        result = await verify_chain(
            services.engines.root,
            context.tenant_id,
            key=services.cipher.audit_chain_key,
            anchors=heads_of(checkpoint),
        )
        return AuditChainVerification(
            ok=result.ok,
            checked_rows=result.checked_rows,
            first_broken_seq=result.first_broken_seq,
            reason=result.reason,
            head_hash=result.head_hash,
            checkpoint=None if checkpoint is None else AuditCheckpoint.from_domain(checkpoint),
        )

    @strawberry.field(
        **guarded(
            "audit:verify",
            "The signed checkpoints of your tenant's audit lanes the server kept (taken hourly "
            "and by auditCheckpoint), newest first.",
        )
    )
    async def audit_checkpoints(
        self, info: strawberry.Info, first: int | None = 20
    ) -> list[AuditCheckpoint]:
        size = page_size(first)
        context = info.context
        signer = signer_of(context)
        found = []
        for token in await kept(context.services.engines.root, context.tenant_id, size):
            try:  # only what the signature covers is shown; an altered copy is left out
                checkpoint = signer.verify(token)
            except InvalidCheckpoint:
                continue
            if checkpoint.tenant_id == context.tenant_id:
                found.append(AuditCheckpoint.from_domain(checkpoint))
        return found


def signer_of(context: Any) -> CheckpointSigner:
    signer: CheckpointSigner | None = context.services.audit_signer
    if signer is None:
        raise RuntimeError("this server has no audit checkpoint signer")
    return signer
