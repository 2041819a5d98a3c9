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

from domain.identity.plans import FEATURES, RESOURCE_FEATURES


class Requires(BasePermission):
    def __init__(self, permission: str, feature: str | None = None) -> None:
        self.permission = permission
        # The plan feature of the field's domain: named, or the permission resource's own.
        self.feature = feature or RESOURCE_FEATURES.get(permission.partition(":")[0])
        if self.feature is not None and self.feature not in FEATURES:
            raise ValueError(f"unknown plan feature {self.feature!r} on {permission}")

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        context = info.context
        principal = context.principal
        if principal is None:
            # Raised rather than returned: the reason (expired, forged, ...) is per request.
            raise GraphQLError(
                context.auth_error or "Authentication required: send a Bearer token.",
                extensions={"code": "UNAUTHENTICATED"},
            )
        if self.feature is not None:
            tenant = context.tenant_context
            if tenant is None or self.feature not in tenant.features:
                plan = tenant.subscription_plan if tenant is not None else None
                raise GraphQLError(
                    f"Your plan ({plan}) does not include the `{self.feature}` feature.",
                    extensions={"code": "FEATURE_DISABLED", "feature": self.feature, "plan": plan},
                )
        resource, _, action = self.permission.partition(":")
        if not principal.grants.allows(resource, action):
            raise GraphQLError(
                f"You lack permission {self.permission}.",
                extensions={"code": "FORBIDDEN", "permission": self.permission},
            )
        return True


def guarded(permission: str, description: str, feature: str | None = None) -> dict[str, Any]:
    """Keyword arguments for strawberry.field/mutation/subscription: check + documentation.

    `feature` is the plan feature the field belongs to (domain/identity/plans.FEATURES); it
    defaults to the permission resource's feature (RESOURCE_FEATURES: company -> companies,
    apikey -> api_keys, audit -> audit, ...). Without it on the tenant's plan the field answers
    FEATURE_DISABLED, checked after authentication and before the permission.
    """
    requires = Requires(permission, feature)
    needs = f"Requires permission `{permission}`"
    if requires.feature is not None:
        needs += f" and plan feature `{requires.feature}`"
    return {
        "extensions": [PermissionExtension([requires], use_directives=False)],
        "description": f"{description}\n\n{needs}.",
    }
