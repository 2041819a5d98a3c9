"""Query-side reads of exchange rates (the exchangeRates query)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from db.repositories.currency import list_rates


async def exchange_rates_of(
    engine: AsyncEngine,
    company_id: uuid.UUID,
    currency: str | None,
    date_from: date | None,
    date_to: date | None,
) -> list[Any]:
    """The company's rates (of one currency when given, between the dates), in list_rates' order."""
    async with engine.connect() as conn:
        return await list_rates(conn, company_id, currency, date_from, date_to)
