"""What the books carry for an open foreign invoice or bill on a date, for the agings.

An item's carrying amount on a date is its original base total, less what settlements dated by
then relieved, plus its shares of the revaluations in force then (`domain.accounting.carrying`).
The settlements relieve at the carrying amount, so what they relieved includes the shares they
took out; the shares are added back here for as long as they are in force, so an item settled in
full ages at 0 and the aging's base total is the control account's balance on that date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from db.tables.accounting import transactions
from db.tables.currency import fx_revaluation_items


def revalued_on(document_id: Any, as_of: date) -> Any:
    """A scalar subquery: the document's revaluation shares in force on `as_of` (0 if none),
    in its own direction. In force: the revaluation is dated on or before `as_of` and not
    reversed by then (the rule `db.repositories.currency` settles by)."""
    revaluation = aliased(transactions)
    reversal = aliased(transactions)
    i = fx_revaluation_items.c
    return (
        select(func.coalesce(func.sum(i.base_change), 0))
        .select_from(
            fx_revaluation_items.join(revaluation, revaluation.c.id == i.transaction_id).outerjoin(
                reversal, reversal.c.id == revaluation.c.reversed_by
            )
        )
        .where(
            i.document_id == document_id,
            revaluation.c.transaction_date <= as_of,
            or_(
                revaluation.c.status == "posted",
                and_(revaluation.c.status == "reversed", reversal.c.transaction_date > as_of),
            ),
        )
        .scalar_subquery()
    )
