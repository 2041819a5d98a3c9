"""Input conversions the purchasing mutations share."""

from __future__ import annotations

from domain.purchasing.model import Address, Contact
from schema.purchasing.types import AddressInput, ContactInput


def addresses(values: list[AddressInput] | None) -> tuple[Address, ...]:
    return tuple(
        Address(
            kind=(a.kind or "billing").strip(),
            line1=a.line1,
            line2=a.line2,
            city=a.city,
            state=a.state,
            postcode=a.postcode,
            country=a.country.upper() if a.country else None,
        )
        for a in values or ()
    )


def contacts(values: list[ContactInput] | None) -> tuple[Contact, ...]:
    return tuple(
        Contact(name=c.name, email=c.email, phone=c.phone, role=c.role) for c in values or ()
    )
