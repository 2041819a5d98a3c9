"""The schema: every context's queries, mutations and subscriptions in one federated graph."""

from __future__ import annotations

from functools import cache

from db.faults import RETRY_AFTER_SECONDS, is_unavailable
from resolvers.access.mutations import AccessMutations
from resolvers.access.queries import AccessQueries
from resolvers.accounting.currency import CurrencyMutations, CurrencyQueries
from resolvers.accounting.mutations import AccountingMutations
from resolvers.accounting.queries import AccountingQueries
from resolvers.accounting.reports import ReportQueries
from resolvers.accounting.subscriptions import AccountingSubscriptions
from resolvers.accounting.year_end import YearEndMutations
from resolvers.api_keys.mutations import ApiKeyMutations
from resolvers.api_keys.queries import ApiKeyQueries
from resolvers.audit.mutations import AuditMutations
from resolvers.audit.queries import AuditQueries
from resolvers.audit.recording import AuditMutation
from resolvers.banking.mutations import BankingMutations
from resolvers.banking.queries import BankingQueries
from resolvers.company.mutations import CompanyMutations
from resolvers.company.queries import CompanyQueries
from resolvers.company.subscriptions import CompanySubscriptions
from resolvers.connectors.mutations import ConnectorMutations
from resolvers.connectors.queries import ConnectorQueries
from resolvers.events.subscriptions import EventSubscriptions
from resolvers.identity.mutations import IdentityMutations
from resolvers.identity.plans import TenantPlanQueries
from resolvers.identity.queries import IdentityQueries
from resolvers.inventory.mutations import InventoryMutations
from resolvers.inventory.queries import InventoryQueries
from resolvers.inventory.subscriptions import InventorySubscriptions
from resolvers.jobs.mutations import JobMutations
from resolvers.jobs.queries import JobQueries
from resolvers.jobs.subscriptions import JobSubscriptions
from resolvers.purchasing.mutations import PurchasingMutations
from resolvers.purchasing.queries import PurchasingQueries
from resolvers.purchasing.subscriptions import PurchasingSubscriptions
from resolvers.sales.mutations import SalesMutations
from resolvers.sales.queries import SalesQueries
from resolvers.sales.subscriptions import SalesSubscriptions
from resolvers.webhooks.mutations import WebhookMutations
from resolvers.webhooks.queries import WebhookQueries
from schema.build import BigLedgerSchema, assemble
from schema.company.types import Company
from schema.identity.access_types import RoleType
from schema.identity.types import Tenant, User


@cache
def build_schema() -> BigLedgerSchema:
    return assemble(
        queries=[
            IdentityQueries,
            AccessQueries,
            CompanyQueries,
            AccountingQueries,
            ReportQueries,
            CurrencyQueries,
            AuditQueries,
            TenantPlanQueries,
            ApiKeyQueries,
            InventoryQueries,
            PurchasingQueries,
            SalesQueries,
            JobQueries,
            WebhookQueries,
            BankingQueries,
            ConnectorQueries,
        ],
        mutations=[
            IdentityMutations,
            AccessMutations,
            CompanyMutations,
            ApiKeyMutations,
            AccountingMutations,
            YearEndMutations,
            CurrencyMutations,
            InventoryMutations,
            PurchasingMutations,
            SalesMutations,
            AuditMutations,
            JobMutations,
            WebhookMutations,
            BankingMutations,
            ConnectorMutations,
        ],
        subscriptions=[
            EventSubscriptions,
            CompanySubscriptions,
            AccountingSubscriptions,
            InventorySubscriptions,
            SalesSubscriptions,
            PurchasingSubscriptions,
            JobSubscriptions,
        ],
        mutation_field_extensions=[AuditMutation],
        types=[Company, Tenant, User, RoleType],
        unavailable=is_unavailable,
        retry_after_seconds=RETRY_AFTER_SECONDS,
    )
