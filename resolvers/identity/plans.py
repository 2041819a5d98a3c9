"""The tenant's usage against its plan's limits, for its admins."""

from __future__ import annotations

import strawberry

from db.tenant_plans import tenant_usage
from schema.identity.plan_types import TenantLimitsType, TenantUsage
from schema.permissions import guarded


@strawberry.type
class TenantPlanQueries:
    @strawberry.field(
        **guarded("tenant:read", "What your tenant uses now, beside what its plan allows.")
    )
    async def tenant_usage(self, info: strawberry.Info) -> TenantUsage:
        context = info.context
        tenant = context.tenant_context
        # Counted exactly, now (not the eventually consistent usage_counters projection).
        usage = await tenant_usage(context.tenant_engine, context.tenant_id)
        return TenantUsage(
            subscription_plan=tenant.subscription_plan,
            companies=usage.companies,
            users=usage.users,
            transactions=usage.transactions,
            storage_bytes=float(usage.storage_bytes),
            limits=TenantLimitsType.from_limits(tenant.limits),
        )
