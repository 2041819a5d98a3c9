"""The schema: every context's queries, mutations and subscriptions in one federated graph."""

from __future__ import annotations

from functools import cache

from resolvers.company.mutations import CompanyMutations
from resolvers.company.queries import CompanyQueries
from resolvers.company.subscriptions import CompanySubscriptions
from resolvers.events.subscriptions import EventSubscriptions
from resolvers.identity.mutations import IdentityMutations
from resolvers.identity.queries import IdentityQueries
from schema.build import BigLedgerSchema, assemble
from schema.company.types import Company
from schema.identity.types import Tenant, User


@cache
def build_schema() -> BigLedgerSchema:
    return assemble(
        queries=[IdentityQueries, CompanyQueries],
        mutations=[IdentityMutations, CompanyMutations],
        subscriptions=[EventSubscriptions, CompanySubscriptions],
        types=[Company, Tenant, User],
    )
