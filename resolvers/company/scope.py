"""Which company a company-scoped field answers for.

`grants.can_enter` is a question of rights only: a tenant-wide grant (owner, admin) lets any
id through, including one of another tenant or none at all. A field that answers with a
report object rather than a list must not answer for such an id with an empty report — that
would say "this company exists and is empty". The company's row (one batched, cached read per
request) proves it is one of this tenant's.
"""

from __future__ import annotations

import uuid

import strawberry

from resolvers.errors import bad_input


def company_key(company_id: strawberry.ID, argument: str = "companyId") -> uuid.UUID:
    try:
        return uuid.UUID(str(company_id))
    except ValueError:
        raise bad_input(f"`{argument}` is not an id.", argument) from None


async def visible_company(
    info: strawberry.Info, company_id: strawberry.ID, argument: str = "companyId"
) -> uuid.UUID | None:
    """The company's id if it is one of the tenant's and the caller may enter it, else None
    (the same answer for both: nothing to probe)."""
    key = company_key(company_id, argument)
    if not info.context.grants.can_enter(key):
        return None
    return key if await info.context.loaders.company_by_id.load(key) is not None else None
