"""Every mutation leaves an audit row, without each resolver having to remember.

`AuditMutation` is a field extension put on every field of the Mutation type when the schema is
assembled (outermost, so it also sees the permission check refuse a call). While a mutation runs
it publishes an `AuditScope` (operation name, API key) that the unit of work reads when it writes
the command's row in the command's own transaction. Afterwards:

- refused (a GraphQL error such as FORBIDDEN, or errors in the payload): one row with the
  error code as outcome and no changes, in a transaction of its own;
- succeeded without writing a row (a command that changed nothing): one row, outcome "ok";
- not signed in: there is no tenant to file it under — logged only. (Sign-ins record
  themselves, see domain/identity/handlers.login.)

Documents rejected by parsing or validation never reach a resolver and leave no row.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver
from strawberry.types import Info

from db.audit import AuditScope, append_alone, audit_scope
from domain.audit.model import INTERNAL_ERROR, AuditEntry
from domain.shared.clock import utcnow
from resolvers.ids import uuid_of

logger = logging.getLogger("bigledger.audit")

# Mutations that write their own audit rows, with details only they know.
SELF_RECORDING = frozenset({"login"})


class AuditMutation(FieldExtension):
    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        if info.field_name in SELF_RECORDING:
            return await next_(source, info, **kwargs)
        context = info.context
        principal = getattr(context, "principal", None)
        scope = AuditScope(
            operation=info.field_name,
            api_key_id=getattr(principal, "api_key_id", None),
        )
        token = audit_scope.set(scope)
        try:
            result = await next_(source, info, **kwargs)
        except GraphQLError as exc:
            audit_scope.reset(token)
            await _record(info, kwargs, scope, _code(exc))
            raise
        except Exception:
            audit_scope.reset(token)
            await _record(info, kwargs, scope, INTERNAL_ERROR)
            raise
        audit_scope.reset(token)
        codes = _payload_codes(result)
        if codes:
            await _record(info, kwargs, scope, codes[0])
        elif scope.written == 0:
            await _record(info, kwargs, scope, "ok")
        return result


def _code(error: GraphQLError) -> str:
    code = (error.extensions or {}).get("code")
    return str(code) if code else INTERNAL_ERROR


def _payload_codes(result: Any) -> list[str]:
    """Error codes in a mutation payload (`errors: [XError!]!`, see schema.errors.UserError)."""
    errors = getattr(result, "errors", None)
    if not isinstance(errors, list):
        return []
    codes = []
    for error in errors:
        code = getattr(error, "code", None)
        if code is not None:
            codes.append(str(getattr(code, "value", code)))
    return codes


def _target(kwargs: Mapping[str, Any]) -> uuid.UUID | None:
    """The id the call was aimed at, when its arguments name one (`id` or `input.id`)."""
    candidate = kwargs.get("id")
    if candidate is None and "input" in kwargs:
        candidate = getattr(kwargs["input"], "id", None)
    return uuid_of(candidate)


async def _record(info: Info, kwargs: Mapping[str, Any], scope: AuditScope, outcome: str) -> None:
    if scope.written and outcome == "ok":
        return
    context = info.context
    principal = getattr(context, "principal", None)
    if principal is None:
        logger.info(
            "unauthenticated mutation not audited (no tenant)",
            extra={"operation": info.field_name, "outcome": outcome},
        )
        return
    entry = AuditEntry(
        tenant_id=principal.tenant_id,
        occurred_at=utcnow(),
        operation=info.field_name,
        outcome=outcome,
        actor_user_id=principal.user_id,
        api_key_id=principal.api_key_id,
        aggregate_id=_target(kwargs),
        ip_address=context.ip_address,
        user_agent=context.user_agent,
        request_id=context.request_id,
        correlation_id=context.request_id,
    )
    try:
        # Its own transaction: the command wrote nothing (refused, or rolled back), so there is
        # no unit of work whose commit could carry this row.
        await append_alone(
            context.services.engines.root, entry, key=context.services.cipher.audit_chain_key
        )
    except Exception:
        # The call itself already failed (or changed nothing); do not turn its answer into an
        # internal error. The log keeps what the audit log could not.
        logger.exception(
            "could not write the audit row of a mutation",
            extra={"operation": info.field_name, "outcome": outcome},
        )
