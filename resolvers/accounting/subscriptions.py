"""accountingEvents and trialBalanceChanged: the tenant's Redis event stream, filtered to the
companies the caller may enter (resolvers/events/stream.py) and to accounting events."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date
from typing import Any

import strawberry
from graphql import GraphQLError

from domain.accounting.events import (
    ACCOUNT_CREATED,
    ACCOUNT_UPDATED,
    JOURNAL_ENTRY_CREATED,
    JOURNAL_ENTRY_REVERSED,
    JOURNAL_IMPORTED,
    TRANSACTION_POSTED,
)
from domain.effects import BOOKS_CHANGED
from resolvers.accounting.trial_balance import trial_balance_report
from resolvers.company.scope import subscribed_company
from resolvers.events.stream import event_company, tenant_events
from schema.accounting.types import TrialBalance
from schema.events.types import DomainEvent, ResumeAfter
from schema.permissions import guarded

ACCOUNTING_EVENTS = frozenset(
    {
        ACCOUNT_CREATED,
        ACCOUNT_UPDATED,
        JOURNAL_ENTRY_CREATED,
        TRANSACTION_POSTED,
        JOURNAL_ENTRY_REVERSED,
        JOURNAL_IMPORTED,
    }
)


@strawberry.type
class AccountingSubscriptions:
    @strawberry.subscription(
        **guarded(
            "journal:read",
            "AccountCreated, AccountUpdated, JournalEntryCreated, TransactionPosted, "
            "JournalEntryReversed and JournalImported (one per batch of `bigledger import "
            "journal`) events of the companies you may enter (or of one company).",
        )
    )
    async def accounting_events(
        self,
        info: strawberry.Info,
        company_id: strawberry.ID | None = None,
        after: ResumeAfter = None,
    ) -> AsyncGenerator[DomainEvent, None]:
        wanted = subscribed_company(info, company_id)
        grants = info.context.grants

        def accept(envelope: dict[str, Any]) -> bool:
            if envelope.get("eventType") not in ACCOUNTING_EVENTS:
                return False
            company = event_company(envelope)
            if company is None or (wanted is not None and company != wanted):
                return False
            return bool(grants.allows("journal", "read", company))

        async for envelope in tenant_events(info, accept, after):
            yield DomainEvent.from_envelope(envelope)

    @strawberry.subscription(
        **guarded(
            "report:read",
            "The company's trial balance as of `asOf` (default: today), pushed afresh after "
            "every posting or reversal in the company: an open report updates itself.",
        )
    )
    async def trial_balance_changed(
        self, info: strawberry.Info, company_id: strawberry.ID, as_of: date | None = None
    ) -> AsyncGenerator[TrialBalance, None]:
        company = subscribed_company(info, company_id)
        assert company is not None
        if not info.context.grants.allows("report", "read", company):
            raise GraphQLError(
                "You lack permission report:read in this company.",
                extensions={"code": "FORBIDDEN"},
            )

        def accept(envelope: dict[str, Any]) -> bool:
            return envelope.get("eventType") in BOOKS_CHANGED and event_company(envelope) == company

        async for _envelope in tenant_events(info, accept):
            # The relay bumped the company's books version before publishing the event (an
            # ON_PUBLISH effect, domain/effects.py): the report read now is computed afresh.
            # tenant_events gave this event fresh dataloaders; the read model is read now.
            balance = await trial_balance_report(info, company, as_of or date.today())
            if balance is not None:
                yield balance
