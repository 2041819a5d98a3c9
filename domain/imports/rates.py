"""Exchange rates: currency, effectiveDate, rate (units of the base currency per unit of the
currency), checked by the API's setExchangeRate rule (check_rate_input). A rate already set for
that currency and day is replaced, as setExchangeRate does; the same pair twice in the file is
a duplicate row."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.accounting.currency import check_rate_input
from domain.imports import cells
from domain.imports.schema import Books, Column, RowSchema
from domain.jobs.model import JobKind
from domain.shared.errors import DomainError, ErrorCode, FieldError


@dataclass(frozen=True)
class RateRow:
    company_id: uuid.UUID
    currency: str
    base_currency: str
    effective_date: date
    rate: Decimal
    actor: uuid.UUID  # who set it (the rate's updated_by)


def build_rate(row: dict[str, Any], books: Books) -> RateRow:
    rate, day = row.get("rate"), row.get("effectiveDate")
    missing = [
        FieldError(ErrorCode.REQUIRED, f"{name} is required.", name)
        for name, value in (("rate", rate), ("effectiveDate", day))
        if value is None
    ]
    if missing:
        raise DomainError(missing)
    assert rate is not None and day is not None
    code = check_rate_input(row.get("currency") or "", books.currency_code, rate)
    return RateRow(books.company_id, code, books.currency_code, day, rate, books.actor)


EXCHANGE_RATES = RowSchema(
    kind=JobKind.EXCHANGE_RATES,
    resource="journal",  # setExchangeRate's permission: whoever writes entries sets rates
    columns=(
        Column("currency", cells.text, required=True),
        Column("effectiveDate", cells.iso_date, required=True),
        Column("rate", cells.decimal, required=True),
    ),
    key="currency",
    build=build_rate,
    key_of=lambda r: f"{r.currency} {r.effective_date.isoformat()}",
    help="currency* (ISO 4217, not the base), effectiveDate* (YYYY-MM-DD), rate* (base units "
    "per unit, up to 10 places); a rate already set for the day is replaced",
)
