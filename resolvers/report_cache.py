"""Report caching in Redis, invalidated in O(1) by per-company version counters; every
context's reports may use it.

Keys: `report:<tenant>:<company>:<type>:<version>:<hash of the arguments>`, where `version` is
the company's books version (`db/report_versions.py`, bumped by the effects of every committed
posting or reversal, `TransactionPosted`, and of the CSV import's batches) for reports, or its
chart version (AccountCreated / AccountUpdated) for the account hierarchy. The bumps are
registered effects (`domain/effects.py`): no resolver bumps by hand. A bump makes every older
entry unreachable; they expire on their own (reports 15 minutes, the hierarchy 1 hour).

A bump happens after the transaction commits, so a report computed before the commit can only
be stored under the old version, which no later reader asks for. If Redis is down the reports
are computed without the cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from redis.exceptions import RedisError

from db.readmodels.accounting import AccountTotals, chart_with_totals
from db.report_versions import version_key
from domain.accounting.model import Account, AccountSubtype, AccountType

logger = logging.getLogger(__name__)

REPORT_TTL_SECONDS = 15 * 60
HIERARCHY_TTL_SECONDS = 60 * 60


def _tenant(info: strawberry.Info) -> str:
    tenant = info.context.tenant
    return str(tenant.id) if tenant is not None else "-"


def report_key(
    tenant: str, company_id: uuid.UUID, report: str, version: str, arguments: Any
) -> str:
    digest = hashlib.sha256(
        json.dumps(arguments, sort_keys=True, default=str).encode()
    ).hexdigest()[:32]
    return f"report:{tenant}:{company_id}:{report}:{version}:{digest}"


async def cached(
    info: strawberry.Info,
    company_id: uuid.UUID,
    report: str,
    arguments: Any,
    compute: Callable[[], Awaitable[Any]],
    *,
    kinds: tuple[str, ...] = ("books",),
    ttl: int = REPORT_TTL_SECONDS,
) -> Any:
    """The JSON-able value of `compute()`, from the cache when none of the `kinds` of change
    (books, chart) has happened since it was stored."""
    redis = info.context.services.redis
    tenant = _tenant(info)
    try:
        stamps = await redis.mget([version_key(tenant, company_id, k) for k in kinds])
        version = ".".join(str(int(v or 0)) for v in stamps)
        key = report_key(tenant, company_id, report, version, arguments)
        hit = await redis.get(key)
    except RedisError:
        logger.warning("report cache unavailable", extra={"report": report})
        return await compute()
    if hit is not None:
        return json.loads(hit)
    value = await compute()
    if value is None:  # no such company (in this tenant): nothing worth keeping
        return None
    try:
        await redis.set(key, json.dumps(value), ex=ttl)
    except RedisError:
        logger.warning("report cache write failed", extra={"report": report})
    return value


async def cached_chart_totals(info: strawberry.Info, company_id: uuid.UUID) -> list[AccountTotals]:
    """`accountHierarchy`'s rows, cached an hour; a new/changed account (chart version) or a
    posting (books version: the totals move) makes the entry unreachable."""

    async def compute() -> list[dict[str, Any]]:
        rows = await chart_with_totals(info.context.tenant_engine, company_id)
        return [
            {
                "id": str(r.account.id),
                "company_id": str(r.account.company_id),
                "code": r.account.code,
                "name": r.account.name,
                "type": r.account.account_type.value,
                "subtype": r.account.subtype.value if r.account.subtype else None,
                "parent_id": str(r.account.parent_id) if r.account.parent_id else None,
                "is_active": r.account.is_active,
                "created_at": r.account.created_at.isoformat(),
                "updated_at": r.account.updated_at.isoformat(),
                "created_by": str(r.account.created_by),
                "updated_by": str(r.account.updated_by),
                "version": r.account.version,
                "debit": str(r.debit),
                "credit": str(r.credit),
            }
            for r in rows
        ]

    data = await cached(
        info,
        company_id,
        "account_hierarchy",
        [],
        compute,
        kinds=("chart", "books"),
        ttl=HIERARCHY_TTL_SECONDS,
    )
    return [
        AccountTotals(
            Account(
                id=uuid.UUID(x["id"]),
                company_id=uuid.UUID(x["company_id"]),
                code=x["code"],
                name=x["name"],
                account_type=AccountType(x["type"]),
                subtype=AccountSubtype(x["subtype"]) if x["subtype"] else None,
                parent_id=uuid.UUID(x["parent_id"]) if x["parent_id"] else None,
                is_active=x["is_active"],
                created_at=datetime.fromisoformat(x["created_at"]),
                updated_at=datetime.fromisoformat(x["updated_at"]),
                created_by=uuid.UUID(x["created_by"]),
                updated_by=uuid.UUID(x["updated_by"]),
                version=x["version"],
            ),
            Decimal(x["debit"]),
            Decimal(x["credit"]),
        )
        for x in data
    ]
