"""The exchange-rate connector's rules: its settings, and what of a rate feed is loaded.

The default source is Bank Negara Malaysia's public API shape (adapters/exchange_rates/): it
quotes ringgit per `unit` of a foreign currency (USD 4.43 = 1 USD costs 4.43 MYR; JPY per 100),
so it loads into companies whose base currency is MYR, as rates per ONE unit (the meaning of
setExchangeRate's rate). Every record of a feed is checked before anything is written, with the
rule setExchangeRate applies (domain/accounting/currency.py::check_rate_input); one bad record
fails the run and nothing of it is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.accounting.currency import check_rate_input
from domain.connectors.ports import FeedRecord
from domain.jobs.model import RowError
from domain.shared.currency import is_currency_code
from domain.shared.errors import DomainError, ErrorCode, FieldError

BNM_BASE_URL = "https://api.bnm.gov.my/public"
QUOTE_CURRENCY = "MYR"  # what the source's rates are priced in
MAX_CURRENCIES = 100


class RateType(StrEnum):
    MIDDLE = "middle"
    BUYING = "buying"
    SELLING = "selling"


@dataclass(frozen=True)
class ExchangeRateSettings:
    base_url: str
    currencies: tuple[str, ...] = ()  # empty: every currency the source quotes
    rate_type: RateType = RateType.MIDDLE

    def to_json(self) -> dict[str, Any]:
        return {
            "baseUrl": self.base_url,
            "currencies": list(self.currencies),
            "rateType": str(self.rate_type),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExchangeRateSettings:
        return cls(
            base_url=str(data["baseUrl"]),
            currencies=tuple(data.get("currencies") or ()),
            rate_type=RateType(data.get("rateType") or RateType.MIDDLE),
        )


def check_settings(
    currencies: Sequence[str], base_currency: str, *, field_prefix: str = "settings"
) -> tuple[str, ...]:
    """The currency codes normalised (upper case, each once); DomainError naming each bad one.
    The base URL is checked by the URL policy (scheme, SSRF ranges) beside this."""
    errors: list[FieldError] = []
    if base_currency != QUOTE_CURRENCY:
        errors.append(
            FieldError(
                ErrorCode.INVALID,
                f"The rate source quotes in {QUOTE_CURRENCY}; this company's base currency is "
                f"{base_currency}.",
                "companyId",
            )
        )
    if len(currencies) > MAX_CURRENCIES:
        errors.append(
            FieldError(
                ErrorCode.INVALID,
                f"At most {MAX_CURRENCIES} currencies.",
                f"{field_prefix}.currencies",
            )
        )
    codes: list[str] = []
    for index, raw in enumerate(currencies):
        code = (raw or "").strip().upper()
        if not is_currency_code(code):
            errors.append(
                FieldError(
                    ErrorCode.INVALID,
                    f"'{raw}' is not an ISO 4217 currency code.",
                    f"{field_prefix}.currencies.{index}",
                )
            )
        elif code == base_currency:
            errors.append(
                FieldError(
                    ErrorCode.INVALID,
                    f"{code} is the company's base currency: its rate is always 1.",
                    f"{field_prefix}.currencies.{index}",
                )
            )
        elif code not in codes:
            codes.append(code)
    if errors:
        raise DomainError(errors)
    return tuple(codes)


@dataclass(frozen=True)
class LoadedRate:
    row: int
    currency: str
    day: date
    rate: Decimal  # base currency per ONE unit of `currency`


@dataclass
class CheckedFeed:
    rates: list[LoadedRate] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_total: int = 0  # records of the wanted currencies (checked)
    skipped: int = 0  # records of other currencies, or older than what was loaded

    @property
    def last_date(self) -> date | None:
        return max((r.day for r in self.rates), default=None)


def check_feed(
    records: Sequence[FeedRecord],
    settings: ExchangeRateSettings,
    base_currency: str,
    since: date | None,
) -> CheckedFeed:
    """Each record: `currency_code`, `unit` (default 1), `date` (ISO), `rate` (a JSON number,
    already a Decimal: never through float). Records of currencies not asked for, and records
    older than `since` (the last date loaded), are skipped."""
    out = CheckedFeed()
    wanted = set(settings.currencies)
    seen: set[tuple[str, date]] = set()
    for record in records:
        raw_code = record.values.get("currency_code")
        code = raw_code.strip().upper() if isinstance(raw_code, str) else ""
        if wanted and code not in wanted:
            out.skipped += 1
            continue
        checked = _check_record(record, code, base_currency)
        if isinstance(checked, LoadedRate):
            if since is not None and checked.day < since:
                out.skipped += 1
                continue
            if (code, checked.day) in seen:
                checked = RowError(
                    record.row,
                    "currency_code",
                    "DUPLICATE",
                    f"{code} on {checked.day.isoformat()} appears twice.",
                )
            else:
                seen.add((code, checked.day))
                out.rates.append(checked)
        out.rows_total += 1
        if isinstance(checked, RowError):
            out.errors.append(checked)
    return out


def _check_record(record: FeedRecord, code: str, base_currency: str) -> LoadedRate | RowError:
    values, row = record.values, record.row
    if not is_currency_code(code):
        return RowError(
            row,
            "currency_code",
            "UNKNOWN_CURRENCY",
            f"{values.get('currency_code')!r} is not an ISO 4217 currency code.",
        )
    day = _day(values.get("date"))
    if day is None:
        return RowError(
            row, "date", "INVALID_DATE", f"{values.get('date')!r} is not a date (YYYY-MM-DD)."
        )
    unit = _unit(values.get("unit", 1))
    if unit is None:
        return RowError(
            row, "unit", "INVALID_UNIT", f"{values.get('unit')!r} is not a whole number >= 1."
        )
    rate = values.get("rate")
    if isinstance(rate, bool) or not isinstance(rate, (int, Decimal)):
        return RowError(row, "rate", "NOT_A_NUMBER", f"The {code} rate {rate!r} is not a number.")
    per_unit = Decimal(rate) / unit
    try:
        check_rate_input(code, base_currency, per_unit)  # setExchangeRate's rule
    except DomainError as exc:
        reasons = " ".join(e.message for e in exc.errors)
        return RowError(row, "rate", "INVALID_RATE", f"{code} rate {rate}: {reasons}")
    return LoadedRate(row, code, day, per_unit)


def _day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _unit(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    if value != int(value) or value < 1:
        return None
    return int(value)
