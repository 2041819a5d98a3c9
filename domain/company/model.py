"""The Company aggregate and its invariants."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.company.events import COMPANY_CREATED, COMPANY_UPDATED
from domain.shared.currency import is_currency_code
from domain.shared.errors import Conflict, ErrorCode, ValidationErrors
from domain.shared.events import RecordedEvent
from domain.shared.timezones import is_timezone

AGGREGATE_TYPE = "Company"

# Column limits from the spec's DDL; checked here so a user gets a field error, not a SQL error.
NAME_MAX = 255
REGISTRATION_NUMBER_MAX = 100
TAX_NUMBER_MAX = 100
TIMEZONE_MAX = 100

# Domain attribute -> the input field name a GraphQL client sends.
INPUT_FIELD = {
    "name": "name",
    "registration_number": "registrationNumber",
    "tax_number": "taxNumber",
    "currency_code": "currencyCode",
    "timezone": "timezone",
}
EDITABLE = frozenset(INPUT_FIELD)
# Stored encrypted and kept out of events (which reach the outbox, subscribers and logs): an event
# says such a field is set or changed, never its value.
SENSITIVE = frozenset({"tax_number"})
REDACTED: dict[str, Any] = {"redacted": True}


def public_value(attribute: str, value: Any) -> Any:
    """What an event may carry for an attribute: sensitive values only as `{"redacted": true}`."""
    return dict(REDACTED) if attribute in SENSITIVE and value is not None else value


@dataclass
class Company:
    id: uuid.UUID
    name: str
    registration_number: str | None
    tax_number: str | None
    currency_code: str
    timezone: str
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID
    updated_by: uuid.UUID
    version: int = 1
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def register(
        cls,
        *,
        name: str,
        registration_number: str | None,
        tax_number: str | None,
        currency_code: str,
        timezone: str,
        actor: uuid.UUID,
        now: datetime,
        company_id: uuid.UUID | None = None,
    ) -> Company:
        values = _normalise(
            {
                "name": name,
                "registration_number": registration_number,
                "tax_number": tax_number,
                "currency_code": currency_code,
                "timezone": timezone,
            }
        )
        _validate(values)
        company = cls(
            id=company_id or uuid.uuid4(),
            created_at=now,
            updated_at=now,
            created_by=actor,
            updated_by=actor,
            **values,
        )
        company.events.append(
            RecordedEvent(COMPANY_CREATED, AGGREGATE_TYPE, company.id, company.snapshot(), now)
        )
        return company

    def update(
        self,
        *,
        expected_version: int,
        changes: Mapping[str, str | None],
        actor: uuid.UUID,
        now: datetime,
    ) -> None:
        """Apply a partial change. A stale version means someone else changed it first."""
        if expected_version != self.version:
            raise Conflict(
                f"Company was changed by someone else (version {self.version}, "
                f"you sent {expected_version}); reload it and try again."
            )
        unknown = set(changes) - EDITABLE
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        proposed = _normalise({**self._editable(), **changes})
        _validate(proposed)
        changed = {k: v for k, v in proposed.items() if getattr(self, k) != v}
        if not changed:
            return  # nothing to do: no new version, no event
        before = {k: getattr(self, k) for k in changed}
        for key, value in changed.items():
            setattr(self, key, value)
        self.version += 1
        self.updated_at = now
        self.updated_by = actor
        self.events.append(
            RecordedEvent(
                COMPANY_UPDATED,
                AGGREGATE_TYPE,
                self.id,
                {
                    "version": self.version,
                    "changes": {
                        INPUT_FIELD[k]: {
                            "before": public_value(k, before[k]),
                            "after": public_value(k, v),
                        }
                        for k, v in changed.items()
                    },
                },
                now,
            )
        )

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "registrationNumber": self.registration_number,
            "taxNumber": public_value("tax_number", self.tax_number),
            "currencyCode": self.currency_code,
            "timezone": self.timezone,
            "version": self.version,
        }

    def _editable(self) -> dict[str, str | None]:
        return {k: getattr(self, k) for k in EDITABLE}


def _normalise(values: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for key in ("name", "registration_number", "tax_number", "timezone"):
        if isinstance(out.get(key), str):
            out[key] = out[key].strip() or None
    if isinstance(out.get("currency_code"), str):
        out["currency_code"] = out["currency_code"].strip().upper()
    return out


def _validate(v: Mapping[str, Any]) -> None:
    errors = ValidationErrors()
    name = v.get("name")
    if not name:
        errors.add("name", "Name is required.", ErrorCode.REQUIRED)
    elif len(name) > NAME_MAX:
        errors.add("name", f"Name is longer than {NAME_MAX} characters.")
    for key, limit in (
        ("registration_number", REGISTRATION_NUMBER_MAX),
        ("tax_number", TAX_NUMBER_MAX),
    ):
        value = v.get(key)
        if value is not None and len(value) > limit:
            errors.add(INPUT_FIELD[key], f"Must be at most {limit} characters.")
    if not is_currency_code(v.get("currency_code") or ""):
        errors.add("currencyCode", f"'{v.get('currency_code')}' is not an ISO 4217 currency code.")
    tz = v.get("timezone")
    if not tz:
        errors.add("timezone", "Timezone is required.", ErrorCode.REQUIRED)
    elif len(tz) > TIMEZONE_MAX or not is_timezone(tz):
        errors.add("timezone", f"'{tz}' is not an IANA timezone such as 'Asia/Kuala_Lumpur'.")
    errors.raise_if_any()
