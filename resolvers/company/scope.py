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
from graphql import GraphQLError

from resolvers.ids import argument_id, optional_argument_id


def subscribed_company(info: strawberry.Info, company_id: strawberry.ID | None) -> uuid.UUID | None:
    """A subscription's optional `companyId`: None for all the caller may enter; one the caller
    may not enter is refused as NOT_FOUND, the same as one that does not exist."""
    company = optional_argument_id(company_id, "companyId")
    if company is not None and not info.context.grants.can_enter(company):
        raise GraphQLError("Company not found.", extensions={"code": "NOT_FOUND"})
    return company


def enterable_company(info: strawberry.Info, company_id: strawberry.ID) -> uuid.UUID | None:
    """The company if the caller may enter it, else None: enough for lists, which are empty
    for a company of no one's (fields answering with a report object use visible_company)."""
    key = argument_id(company_id, "companyId")
    return key if info.context.grants.can_enter(key) else None


async def visible_company(
    info: strawberry.Info,
    company_id: strawberry.ID,
    argument: str = "companyId",
    *,
    reads: str | None = None,
) -> uuid.UUID | None:
    """The company's id if it is one of the tenant's and the caller may enter it (and, given
    `reads`, read that resource in it), else None: the same answer for all, nothing to probe."""
    key = argument_id(company_id, argument)
    grants = info.context.grants
    if not grants.can_enter(key) or (reads is not None and not grants.allows(reads, "read", key)):
        return None
    return key if await info.context.loaders.company_by_id.load(key) is not None else None
