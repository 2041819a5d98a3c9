"""The customer balance read model: each sales event's `balanceChange` (base currency) added to
its customer's receivable, advance and draft totals.

An IN_TRANSACTION effect (domain/effects.py): it runs in the command's transaction, with the
(event, effect) claim in `processed_events`, so the credit-limit check of the next posting reads
`receivable` exact, and a task of this name redelivered from before (when it was ASYNC) finds the
claim and changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.tables.sales import customer_balances

HANDLER = "sales.customer_balance"


async def apply_balance_change(conn: AsyncConnection, envelope: dict[str, Any]) -> None:
    payload = envelope.get("payload") or {}
    change = payload.get("balanceChange")
    if not change or not payload.get("customerId"):
        return
    receivable = Decimal(change.get("receivable", "0"))
    advance = Decimal(change.get("advance", "0"))
    draft = Decimal(change.get("draft", "0"))
    occurred = datetime.fromisoformat(envelope["occurredOn"])
    statement = insert(customer_balances).values(
        customer_id=uuid.UUID(payload["customerId"]),
        company_id=uuid.UUID(payload["companyId"]),
        receivable=receivable,
        advance=advance,
        draft_total=draft,
        events_applied=1,
        last_event_at=occurred,
    )
    table = customer_balances.c
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[table.customer_id],
            set_={
                "receivable": table.receivable + receivable,
                "advance": table.advance + advance,
                "draft_total": table.draft_total + draft,
                "events_applied": table.events_applied + 1,
                "last_event_at": func.greatest(table.last_event_at, occurred),
                "updated_at": func.now(),
            },
        )
    )
