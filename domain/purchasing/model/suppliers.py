"""Purchasing model: suppliers (their addresses and contacts are the party's: `domain.party`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.party import CODE_MAX, CODE_PATTERN, NAME_MAX, PAYMENT_TERMS_MAX, Address, Contact
from domain.purchasing.events import (
    SUPPLIER_CREATED,
    SUPPLIER_UPDATED,
)
from domain.purchasing.model.common import (
    MAX_ADDRESSES,
    MAX_CONTACTS,
    REGISTRATION_MAX,
    SUPPLIER,
    TAX_ID_MAX,
    _text,
)
from domain.shared.currency import is_currency_code
from domain.shared.errors import Conflict, DomainError, ErrorCode, ValidationErrors
from domain.shared.events import RecordedEvent
from domain.shared.money import fits_storage

# Domain attribute -> the input field name a GraphQL client sends.
SUPPLIER_FIELDS = {
    "code": "code",
    "name": "name",
    "tax_id": "taxId",
    "registration_number": "registrationNumber",
    "addresses": "addresses",
    "contacts": "contacts",
    "currency_code": "currencyCode",
    "payment_terms_days": "paymentTermsDays",
    "credit_limit": "creditLimit",
    "is_active": "isActive",
}


def _check_supplier(errors: ValidationErrors, values: Mapping[str, Any]) -> dict[str, Any]:
    """Validated, normalised attributes (only those present in `values`)."""
    out: dict[str, Any] = {}
    if "code" in values:
        code = _text(errors, values["code"], "code", CODE_MAX, required=True)
        if code is not None and not CODE_PATTERN.match(code):
            errors.add("code", "Letters, digits, '.', '_', '/' and '-' only.")
        out["code"] = code.upper() if code else code
    if "name" in values:
        out["name"] = _text(errors, values["name"], "name", NAME_MAX, required=True)
    if "tax_id" in values:
        tax_id = _text(errors, values["tax_id"], "taxId", TAX_ID_MAX)
        out["tax_id"] = tax_id.upper() if tax_id else None
    if "registration_number" in values:
        out["registration_number"] = _text(
            errors, values["registration_number"], "registrationNumber", REGISTRATION_MAX
        )
    if "addresses" in values:
        addresses = tuple(values["addresses"] or ())
        if len(addresses) > MAX_ADDRESSES:
            errors.add("addresses", f"At most {MAX_ADDRESSES} addresses.")
        for i, a in enumerate(addresses):
            if not (a.line1 or "").strip():
                errors.add(f"addresses.{i}.line1", "This field is required.", ErrorCode.REQUIRED)
        out["addresses"] = addresses
    if "contacts" in values:
        contacts = tuple(values["contacts"] or ())
        if len(contacts) > MAX_CONTACTS:
            errors.add("contacts", f"At most {MAX_CONTACTS} contacts.")
        for i, c in enumerate(contacts):
            if not (c.name or "").strip():
                errors.add(f"contacts.{i}.name", "This field is required.", ErrorCode.REQUIRED)
        out["contacts"] = contacts
    if "currency_code" in values:
        code = (values["currency_code"] or "").strip().upper()
        if not is_currency_code(code):
            errors.add("currencyCode", f"'{values['currency_code']}' is not an ISO 4217 code.")
        out["currency_code"] = code
    if "payment_terms_days" in values:
        days = values["payment_terms_days"]
        if days is None or not 0 <= days <= PAYMENT_TERMS_MAX:
            errors.add("paymentTermsDays", f"Between 0 and {PAYMENT_TERMS_MAX} days.")
        out["payment_terms_days"] = days
    if "credit_limit" in values:
        limit = values["credit_limit"]
        if limit is not None and (not fits_storage(limit) or limit < 0):
            errors.add("creditLimit", "A non-negative amount with at most 4 decimal places.")
        out["credit_limit"] = limit
    if "is_active" in values:
        out["is_active"] = bool(values["is_active"])
    return out


@dataclass
class Supplier:
    id: uuid.UUID
    company_id: uuid.UUID
    code: str
    name: str
    tax_id: str | None
    registration_number: str | None
    addresses: tuple[Address, ...]
    contacts: tuple[Contact, ...]
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
    ) -> Supplier:
        errors = ValidationErrors()
        checked = _check_supplier(errors, values)
        errors.raise_if_any()
        supplier = cls(
            id=uuid.uuid4(),
            company_id=company_id,
            code=checked["code"],
            name=checked["name"],
            tax_id=checked.get("tax_id"),
            registration_number=checked.get("registration_number"),
            addresses=checked.get("addresses", ()),
            contacts=checked.get("contacts", ()),
            currency_code=checked["currency_code"],
            payment_terms_days=checked.get("payment_terms_days", 30),
            credit_limit=checked.get("credit_limit"),
            is_active=True,
            created_at=now,
            updated_at=now,
            created_by=actor,
            updated_by=actor,
        )
        supplier._record(SUPPLIER_CREATED, now, supplier.summary())
        return supplier

    def update(
        self,
        *,
        expected_version: int,
        changes: Mapping[str, Any],
        has_documents: bool,
        actor: uuid.UUID,
        now: datetime,
    ) -> None:
        if expected_version != self.version:
            raise Conflict("The supplier was changed by someone else; reload it and try again.")
        errors = ValidationErrors()
        checked = _check_supplier(errors, changes)
        if (
            has_documents
            and "currency_code" in checked
            and checked["currency_code"] != self.currency_code
        ):
            errors.add("currencyCode", "A supplier with documents keeps its currency.")
        errors.raise_if_any()
        changed = {k: v for k, v in checked.items() if getattr(self, k) != v}
        if not changed:
            return
        for attribute, value in changed.items():
            setattr(self, attribute, value)
        self.updated_at, self.updated_by = now, actor
        self.version += 1
        self._record(
            SUPPLIER_UPDATED,
            now,
            {"companyId": str(self.company_id), "changed": [SUPPLIER_FIELDS[k] for k in changed]},
        )

    def summary(self) -> dict[str, Any]:
        return {
            "companyId": str(self.company_id),
            "code": self.code,
            "name": self.name,
            "currencyCode": self.currency_code,
        }

    def _record(self, event_type: str, now: datetime, payload: dict[str, Any]) -> None:
        self.events.append(RecordedEvent(event_type, SUPPLIER, self.id, payload, now))


def require_supplier(
    supplier: Supplier | None, company_id: uuid.UUID, path: str = "supplierId"
) -> Supplier:
    """A supplier of this company that is active; otherwise a typed error on `path`."""
    if supplier is None or supplier.company_id != company_id:
        raise DomainError.single(ErrorCode.NOT_FOUND, "Supplier not found.", path)
    if not supplier.is_active:
        raise DomainError.single(
            ErrorCode.INVALID_STATE, f"Supplier {supplier.code} is inactive.", path
        )
    return supplier
