"""Subscription plans: which features a tenant has, its limits, and its query limits.

The spec's `TenantContext` (tenant id, schema, plan, features, limits, timezone, locale,
currency) is built here from the tenant's row: the plan's catalogue entry with the tenant's own
overrides merged in. Pure Python: the database row and the Redis cache live in `db/`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

from domain.shared.errors import DomainError, ErrorCode, FieldError

# Features a plan can switch on. A field of the API names the feature of its domain; when the
# tenant's plan lacks it, the field answers FEATURE_DISABLED before its resolver runs.
FEATURES: frozenset[str] = frozenset(
    {
        "companies",
        "accounting",
        "inventory",
        "sales",
        "purchasing",
        "api_keys",
        "audit",
        "multi_currency",
        "webhooks",
        "imports",
        "connectors",
    }
)

# The feature each permission resource belongs to (resources not listed belong to every plan:
# tenant, user, role, profile, events). `schema.permissions.guarded` uses it as the default.
RESOURCE_FEATURES: Mapping[str, str] = {
    "company": "companies",
    "account": "accounting",
    "journal": "accounting",
    "period": "accounting",
    "report": "accounting",
    "payment": "accounting",
    "product": "inventory",
    "warehouse": "inventory",
    "stock": "inventory",
    "customer": "sales",
    "invoice": "sales",
    "supplier": "purchasing",
    "purchase": "purchasing",
    "apikey": "api_keys",
    "audit": "audit",
    "webhook": "webhooks",
    "import": "imports",
    "connector": "connectors",
}

GIB = 1024**3


@dataclass(frozen=True)
class TenantLimits:
    """The spec's `TenantLimits` (plus the burst the rate limiter allows above its rate)."""

    max_companies: int
    max_users: int
    max_transactions: int  # posted transactions per calendar month
    api_rate_limit: int  # requests per minute
    api_burst: int  # requests allowed at once above the steady rate
    storage_quota_bytes: int
    # Defaults: a tenant context cached before these limits existed still loads.
    max_webhook_endpoints: int = 0
    max_import_bytes: int = 5 * 1024**2  # one uploaded import file


# Limit names as the spec and the API spell them -> TenantLimits attribute.
LIMIT_NAMES: Mapping[str, str] = {
    "maxCompanies": "max_companies",
    "maxUsers": "max_users",
    "maxTransactions": "max_transactions",
    "apiRateLimit": "api_rate_limit",
    "apiBurst": "api_burst",
    "storageQuota": "storage_quota_bytes",
    "maxWebhookEndpoints": "max_webhook_endpoints",
    "maxImportBytes": "max_import_bytes",
}

# How a limit reads in a sentence: (singular, plural). Storage is formatted as bytes.
_NOUNS: Mapping[str, tuple[str, str]] = {
    "maxCompanies": ("company", "companies"),
    "maxUsers": ("user", "users"),
    "maxTransactions": ("transaction a month", "transactions a month"),
    "apiRateLimit": ("request a minute", "requests a minute"),
    "apiBurst": ("request at once", "requests at once"),
    "maxWebhookEndpoints": ("webhook endpoint", "webhook endpoints"),
}


@dataclass(frozen=True)
class QueryLimits:
    """How big a GraphQL document a tenant on this plan may send."""

    max_depth: int
    max_aliases: int
    max_tokens: int
    max_cost: int  # each field costs 1; a list field multiplies its selection by its size


@dataclass(frozen=True)
class Plan:
    name: str
    features: frozenset[str]
    limits: TenantLimits
    query_limits: QueryLimits


FREE = Plan(
    name="free",
    features=frozenset({"companies", "accounting", "inventory", "sales", "purchasing", "imports"}),
    limits=TenantLimits(
        max_companies=1,
        max_users=3,
        max_transactions=1_000,
        api_rate_limit=300,
        api_burst=30,
        storage_quota_bytes=1 * GIB,
        max_webhook_endpoints=0,
        max_import_bytes=5 * 1024**2,
    ),
    query_limits=QueryLimits(max_depth=8, max_aliases=10, max_tokens=1_000, max_cost=2_500),
)
PROFESSIONAL = Plan(
    name="professional",
    features=FEATURES,
    limits=TenantLimits(
        max_companies=50,
        max_users=100,
        max_transactions=1_000_000,
        api_rate_limit=1_000,  # the spec's gateway default: 1000 requests/minute, burst 100
        api_burst=100,
        storage_quota_bytes=100 * GIB,
        max_webhook_endpoints=10,
        max_import_bytes=50 * 1024**2,
    ),
    query_limits=QueryLimits(max_depth=12, max_aliases=30, max_tokens=2_000, max_cost=25_000),
)
ENTERPRISE = Plan(
    name="enterprise",
    features=FEATURES,
    limits=TenantLimits(
        max_companies=10_000,
        max_users=10_000,
        max_transactions=100_000_000,
        api_rate_limit=10_000,
        api_burst=1_000,
        storage_quota_bytes=1024 * GIB,
        max_webhook_endpoints=100,
        max_import_bytes=200 * 1024**2,
    ),
    query_limits=QueryLimits(max_depth=15, max_aliases=50, max_tokens=5_000, max_cost=100_000),
)

PLANS: Mapping[str, Plan] = {p.name: p for p in (FREE, PROFESSIONAL, ENTERPRISE)}
# Whoever is not signed in (sign-in, refresh, a bad token) gets the smallest plan's limits.
ANONYMOUS_PLAN = FREE


def plan_named(name: str) -> Plan:
    try:
        return PLANS[name]
    except KeyError:
        raise DomainError.single(
            ErrorCode.INVALID, f"Unknown plan '{name}'; plans: {', '.join(PLANS)}.", "plan"
        ) from None


def validate_overrides(
    feature_overrides: Mapping[str, Any], limit_overrides: Mapping[str, Any]
) -> None:
    """Refuse unknown features or limits and non-sensical values (before they are stored)."""
    errors: list[FieldError] = []
    for name, on in feature_overrides.items():
        if name not in FEATURES:
            errors.append(
                FieldError(ErrorCode.INVALID, f"Unknown feature '{name}'.", f"features.{name}")
            )
        elif not isinstance(on, bool):
            errors.append(
                FieldError(ErrorCode.INVALID, f"'{name}' must be on or off.", f"features.{name}")
            )
    for name, value in limit_overrides.items():
        if name not in LIMIT_NAMES:
            errors.append(
                FieldError(ErrorCode.INVALID, f"Unknown limit '{name}'.", f"limits.{name}")
            )
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors.append(
                FieldError(
                    ErrorCode.INVALID, f"'{name}' must be a whole number >= 0.", f"limits.{name}"
                )
            )
    if errors:
        raise DomainError(errors)


def merge(
    plan: Plan, feature_overrides: Mapping[str, Any], limit_overrides: Mapping[str, Any]
) -> tuple[frozenset[str], TenantLimits]:
    """The plan's features and limits with a tenant's overrides applied.

    Unknown names are ignored here (a stored override for a feature since removed must not
    take the tenant down); they are refused when overrides are set.
    """
    features = set(plan.features)
    for name, on in feature_overrides.items():
        if name in FEATURES:
            (features.add if on else features.discard)(name)
    changes = {
        LIMIT_NAMES[name]: int(value)
        for name, value in limit_overrides.items()
        if name in LIMIT_NAMES and isinstance(value, int) and not isinstance(value, bool)
    }
    return frozenset(features), replace(plan.limits, **changes)


def limit_value(limits: TenantLimits, name: str) -> int:
    value: int = getattr(limits, LIMIT_NAMES[name])
    return value


def describe_limit(name: str, value: int) -> str:
    if name == "storageQuota":
        return f"{value / GIB:g} GiB of storage"
    if name == "maxImportBytes":
        return f"{value / 1024**2:g} MiB per imported file"
    singular, plural = _NOUNS[name]
    return f"{value} {singular if value == 1 else plural}"


def limit_exceeded(limits: TenantLimits, name: str) -> DomainError:
    allowed = describe_limit(name, limit_value(limits, name))
    return DomainError.single(
        ErrorCode.LIMIT_EXCEEDED, f"Your plan allows {allowed} ({name}).", None
    )


def check_limit(limits: TenantLimits, name: str, current: int, adding: int = 1) -> None:
    """Raise LIMIT_EXCEEDED (naming the limit) unless `current + adding` stays within it.

    `name` is the spec's spelling: maxCompanies, maxUsers, maxTransactions, storageQuota.
    Count `current` in the same transaction as the write, under a per-tenant lock, or two
    concurrent writes can both pass.
    """
    if current + adding > limit_value(limits, name):
        raise limit_exceeded(limits, name)


class LimitCounter(Protocol):
    """What a unit of work offers for limits (`uow.limits`)."""

    async def lock_and_count(self, limit: str) -> int:
        """Lock the tenant's `limit` until the transaction ends, then count what uses it."""


async def enforce_limit(
    counter: LimitCounter, limits: TenantLimits, name: str, adding: int = 1
) -> None:
    """Inside the command's transaction, before the write: LIMIT_EXCEEDED or room for `adding`."""
    check_limit(limits, name, await counter.lock_and_count(name), adding)


@dataclass(frozen=True)
class TenantContext:
    """The spec's `TenantContext`, plus what requests need besides (slug, name, status)."""

    tenant_id: uuid.UUID
    schema: str
    subscription_plan: str
    features: frozenset[str]
    limits: TenantLimits
    timezone: str
    locale: str
    currency: str
    slug: str
    name: str
    status: str
    feature_overrides: Mapping[str, bool] = field(default_factory=dict)
    limit_overrides: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        tenant_id: uuid.UUID,
        schema: str,
        plan: str,
        timezone: str,
        locale: str,
        currency: str,
        slug: str,
        name: str,
        status: str,
        feature_overrides: Mapping[str, Any] | None = None,
        limit_overrides: Mapping[str, Any] | None = None,
    ) -> TenantContext:
        features, limits = merge(plan_named(plan), feature_overrides or {}, limit_overrides or {})
        return cls(
            tenant_id=tenant_id,
            schema=schema,
            subscription_plan=plan,
            features=features,
            limits=limits,
            timezone=timezone,
            locale=locale,
            currency=currency,
            slug=slug,
            name=name,
            status=status,
            feature_overrides=dict(feature_overrides or {}),
            limit_overrides=dict(limit_overrides or {}),
        )

    @property
    def plan(self) -> Plan:
        return PLANS.get(self.subscription_plan, ANONYMOUS_PLAN)

    @property
    def query_limits(self) -> QueryLimits:
        return self.plan.query_limits

    @property
    def active(self) -> bool:
        return self.status == "active"

    def has_feature(self, feature: str) -> bool:
        return feature in self.features

    # The names `TenantRecord` used, so code written against it keeps working.
    @property
    def id(self) -> uuid.UUID:
        return self.tenant_id

    @property
    def schema_name(self) -> str:
        return self.schema

    def to_json(self) -> dict[str, Any]:
        return {
            "tenantId": str(self.tenant_id),
            "schema": self.schema,
            "subscriptionPlan": self.subscription_plan,
            "features": sorted(self.features),
            "limits": asdict(self.limits),
            "timezone": self.timezone,
            "locale": self.locale,
            "currency": self.currency,
            "slug": self.slug,
            "name": self.name,
            "status": self.status,
            "featureOverrides": dict(self.feature_overrides),
            "limitOverrides": dict(self.limit_overrides),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TenantContext:
        return cls(
            tenant_id=uuid.UUID(data["tenantId"]),
            schema=data["schema"],
            subscription_plan=data["subscriptionPlan"],
            features=frozenset(data["features"]),
            limits=TenantLimits(**data["limits"]),
            timezone=data["timezone"],
            locale=data["locale"],
            currency=data["currency"],
            slug=data["slug"],
            name=data["name"],
            status=data["status"],
            feature_overrides=dict(data.get("featureOverrides") or {}),
            limit_overrides=dict(data.get("limitOverrides") or {}),
        )
