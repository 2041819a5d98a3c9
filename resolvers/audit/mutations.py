"""Audit commands: take a signed checkpoint of the tenant's audit lanes on demand."""

from __future__ import annotations

import strawberry

from db import audit_checkpoints
from resolvers.audit.queries import signer_of
from schema.audit.types import AuditCheckpoint, AuditCheckpointPayload
from schema.permissions import guarded


@strawberry.type
class AuditMutations:
    @strawberry.mutation(
        **guarded(
            "audit:verify",
            "Sign where each of your tenant's audit lanes ends now (sequence, hash, time) with "
            "the server's published key. Keep the token: verifyAuditChain(against: token) "
            "later finds any row removed or re-hashed up to it.",
        )
    )
    async def audit_checkpoint(self, info: strawberry.Info) -> AuditCheckpointPayload:
        context = info.context
        # Not a command on the unit of work: a checkpoint signs the audit log itself (the same
        # transaction as the periodic run's), and a unit of work's commit would add a row to it.
        checkpoint = await audit_checkpoints.issue(
            context.services.engines.root, context.tenant_id, signer_of(context)
        )
        assert checkpoint is not None  # issued on demand: always
        return AuditCheckpointPayload(checkpoint=AuditCheckpoint.from_domain(checkpoint), errors=[])
