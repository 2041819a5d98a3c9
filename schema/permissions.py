"""Permission declarations, checked before a resolver runs and written into the schema.

Each field names the permission it needs (`resource:action`); the caller must hold it in some
company (or tenant-wide). Record-level rules — which company, own records only, amount limits —
are checked where the record is known, against the same grants.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info


class Requires(BasePermission):
    def __init__(self, permission: str) -> None:
        self.permission = permission

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        context = info.context
        principal = context.principal
        if principal is None:
            # Raised rather than returned: the reason (expired, forged, ...) is per request.
            raise GraphQLError(
                context.auth_error or "Authentication required: send a Bearer token.",
                extensions={"code": "UNAUTHENTICATED"},
            )
        resource, _, action = self.permission.partition(":")
        if not principal.grants.allows(resource, action):
            raise GraphQLError(
                f"You lack permission {self.permission}.",
                extensions={"code": "FORBIDDEN", "permission": self.permission},
            )
        return True


def guarded(permission: str, description: str) -> dict[str, Any]:
    """Keyword arguments for strawberry.field/mutation/subscription: check + documentation."""
    return {
        "extensions": [PermissionExtension([Requires(permission)], use_directives=False)],
        "description": f"{description}\n\nRequires permission `{permission}`.",
    }
