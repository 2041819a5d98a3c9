"""Event types of identity and access that change what a caller may see."""

from __future__ import annotations

# After any of these, a connection that outlives one request (a subscription) must ask again
# what its caller may see: the relay also marks the tenant's cached grants stale before
# publishing them, so the re-check cannot read grants from before the change.
ACCESS_CHANGES: frozenset[str] = frozenset(
    {
        "RoleUpdated",
        "RoleAssigned",
        "RoleUnassigned",
        "CompanyAccessGranted",
        "CompanyAccessRevoked",
        "UserDeactivated",
        "ApiKeyRevoked",
    }
)
