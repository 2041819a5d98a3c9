"""What a revaluation's shares of open invoices tell the sales side: the customer balance read
model keeps each customer's receivable in base currency, so it takes the shares too."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from domain.accounting.model import JournalEntry
from domain.sales.events import RECEIVABLE_REVALUED
from domain.sales.model import CUSTOMER
from domain.shared.events import RecordedEvent


def receivables_revalued(
    company_id: uuid.UUID,
    entry: JournalEntry,
    customers: Mapping[uuid.UUID, Decimal],
    now: datetime,
) -> list[RecordedEvent]:
    """One event per customer whose receivable a revaluation (or its reversal) changed: the
    customer balance read model adds it, as it adds invoices and payments."""
    return [
        RecordedEvent(
            RECEIVABLE_REVALUED,
            CUSTOMER,
            customer_id,
            {
                "companyId": str(company_id),
                "customerId": str(customer_id),
                "journalEntryId": str(entry.id),
                "balanceChange": {"receivable": str(change), "advance": "0", "draft": "0"},
            },
            now,
        )
        for customer_id, change in sorted(customers.items(), key=lambda kv: str(kv[0]))
    ]
