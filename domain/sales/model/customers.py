"""Sales model: customers (code, credit limit, payment terms, addresses as the client gave them)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.accounting.model import AMOUNT_QUANTUM
from domain.party import CODE_MAX, CODE_PATTERN, NAME_MAX, PAYMENT_TERMS_MAX
from domain.sales.events import (
    CUSTOMER_CREATED,
    CUSTOMER_UPDATED,
)
from domain.sales.model.common import AMOUNT_MAX, CUSTOMER, TAX_ID_MAX, TAX_ID_PATTERN, _text
from domain.shared.currency import is_currency_code
from domain.shared.errors import DomainError, ErrorCode, ValidationErrors
from domain.shared.events import RecordedEvent
from domain.shared.money import has_places

CUSTOMER_FIELDS = {
    "code": "code",
    "name": "name",
    "tax_id": "taxId",
    "registration_number": "registrationNumber",
    "email": "email",
    "phone": "phone",
    "addresses": "addresses",
    "contacts": "contacts",
    "currency_code": "currencyCode",
    "payment_terms_days": "paymentTermsDays",
    "credit_limit": "creditLimit",
    "is_active": "isActive",
}


@dataclass
class Customer:
    id: uuid.UUID
    company_id: uuid.UUID
    code: str
    name: str
    tax_id: str | None
    registration_number: str | None
    email: str | None
    phone: str | None
    addresses: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    currency_code: str
    payment_terms_days: int
    credit_limit: Decimal | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID
    updated_by: uuid.UUID
    version: int = 1
    events: list[RecordedEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def create(
        cls,
        *,
        company_id: uuid.UUID,
        values: Mapping[str, Any],
        actor: uuid.UUID,
        now: datetime,
    ) -> Customer:
        customer = cls(
            id=uuid.uuid4(),
            company_id=company_id,
            code=(values.get("code") or "").strip(),
            name=(values.get("name") or "").strip(),
            tax_id=_text(values.get("tax_id")),
            registration_number=_text(values.get("registration_number")),
            email=_text(values.get("email")),
            phone=_text(values.get("phone")),
            addresses=list(values.get("addresses") or []),
            contacts=list(values.get("contacts") or []),
            currency_code=(values.get("currency_code") or "").strip().upper(),
            payment_terms_days=int(values.get("payment_terms_days", 30)),
            credit_limit=values.get("credit_limit"),
            is_active=bool(values.get("is_active", True)),
            created_at=now,
            updated_at=now,
            created_by=actor,
            updated_by=actor,
        )
        customer._validate()
        customer.events.append(customer._event(CUSTOMER_CREATED, now))
        return customer

    def update(
        self,
        *,
        expected_version: int,
        changes: Mapping[str, Any],
        actor: uuid.UUID,
        now: datetime,
    ) -> None:
        if expected_version != self.version:
            raise DomainError.single(
                ErrorCode.CONFLICT,
                "Customer was changed by someone else; reload it and try again.",
                "version",
            )
        changed = False
        for name, value in changes.items():
            if name not in CUSTOMER_FIELDS:
                continue
            if name in ("code", "name", "currency_code"):
                value = (value or "").strip()
                value = value.upper() if name == "currency_code" else value
            elif name in ("tax_id", "registration_number", "email", "phone"):
                value = _text(value)
            if getattr(self, name) != value:
                setattr(self, name, value)
                changed = True
        if not changed:
            return
        self._validate()
        self.version += 1
        self.updated_at, self.updated_by = now, actor
        self.events.append(self._event(CUSTOMER_UPDATED, now))

    def _validate(self) -> None:
        errors = ValidationErrors()
        if not self.code:
            errors.add("code", "A customer code is required.", ErrorCode.REQUIRED)
        elif len(self.code) > CODE_MAX or not CODE_PATTERN.match(self.code):
            errors.add(
                "code",
                f"A code has up to {CODE_MAX} letters, digits, '.', '_', '/' or '-'.",
            )
        if not self.name:
            errors.add("name", "A customer name is required.", ErrorCode.REQUIRED)
        elif len(self.name) > NAME_MAX:
            errors.add("name", f"A name has at most {NAME_MAX} characters.")
        if self.tax_id is not None and (
            len(self.tax_id) > TAX_ID_MAX or not TAX_ID_PATTERN.match(self.tax_id)
        ):
            errors.add("taxId", "A tax id (TIN) has up to 30 letters, digits or '-'.")
        if self.registration_number is not None and len(self.registration_number) > 50:
            errors.add("registrationNumber", "A registration number has at most 50 characters.")
        if self.email is not None and ("@" not in self.email or len(self.email) > 255):
            errors.add("email", "Not an email address.")
        if not is_currency_code(self.currency_code):
            errors.add("currencyCode", f"'{self.currency_code}' is not an ISO 4217 currency.")
        if not 0 <= self.payment_terms_days <= PAYMENT_TERMS_MAX:
            errors.add("paymentTermsDays", f"Payment terms are 0 to {PAYMENT_TERMS_MAX} days.")
        if self.credit_limit is not None and (
            self.credit_limit < 0
            or self.credit_limit > AMOUNT_MAX
            or not has_places(self.credit_limit, AMOUNT_QUANTUM)
        ):
            errors.add("creditLimit", "A credit limit is a non-negative amount (4 places).")
        errors.raise_if_any()

    def snapshot(self) -> dict[str, Any]:
        return {
            "companyId": str(self.company_id),
            "customerId": str(self.id),
            "id": str(self.id),
            "code": self.code,
            "name": self.name,
            # Encrypted at rest; events reach the outbox, subscribers, logs and the audit log, so
            # they say whether a tax id is set, never what it is (as companies' tax numbers).
            "taxId": None if self.tax_id is None else {"redacted": True},
            "currencyCode": self.currency_code,
            "paymentTermsDays": self.payment_terms_days,
            "creditLimit": None if self.credit_limit is None else str(self.credit_limit),
            "isActive": self.is_active,
            "version": self.version,
        }

    def _event(self, event_type: str, now: datetime) -> RecordedEvent:
        return RecordedEvent(event_type, CUSTOMER, self.id, self.snapshot(), now)
