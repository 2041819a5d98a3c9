"""A tenant's plan as the API shows it: limits (the spec's TenantLimits) and usage."""

from __future__ import annotations

import strawberry

from domain.identity.plans import TenantLimits as TenantLimitsValue


@strawberry.type(
    name="TenantLimits",
    description="What the tenant's plan allows (its plan's limits with the tenant's overrides).",
)
class TenantLimitsType:
    max_companies: int
    max_users: int
    max_transactions: int = strawberry.field(description="Posted transactions per month.")
    api_rate_limit: int = strawberry.field(description="API requests per minute.")
    api_burst: int = strawberry.field(description="Requests allowed at once above the rate.")
    storage_quota: float = strawberry.field(
        description="Bytes (a JSON number: it may exceed a 32-bit Int)."
    )
    max_webhook_endpoints: int = strawberry.field(description="Webhook endpoints at once.")
    max_import_bytes: int = strawberry.field(description="Bytes of one imported file.")

    @classmethod
    def from_limits(cls, limits: TenantLimitsValue) -> TenantLimitsType:
        return cls(
            max_companies=limits.max_companies,
            max_users=limits.max_users,
            max_transactions=limits.max_transactions,
            api_rate_limit=limits.api_rate_limit,
            api_burst=limits.api_burst,
            storage_quota=float(limits.storage_quota_bytes),
            max_webhook_endpoints=limits.max_webhook_endpoints,
            max_import_bytes=limits.max_import_bytes,
        )


@strawberry.type(description="What the tenant uses, counted now, beside what its plan allows.")
class TenantUsage:
    subscription_plan: str
    companies: int
    users: int = strawberry.field(description="Active users, pending invitations included.")
    transactions: int = strawberry.field(description="Posted this month (none are posted yet).")
    storage_bytes: float = strawberry.field(description="Stored files (none are stored yet).")
    limits: TenantLimitsType
