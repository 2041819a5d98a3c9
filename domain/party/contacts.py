"""Addresses and contacts of a party, as value objects stored as JSON (`to_json`/`from_json`).

Suppliers hold these. A customer's addresses and contacts have the same JSON shape but are kept
as the client sent them (every field optional, no default kind), so the Customer aggregate keeps
the plain dicts: reading them through `from_json` would fill in defaults they never had."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Address:
    kind: str  # "billing", "shipping", "office", ... free text
    line1: str
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    country: str | None = None  # ISO 3166 alpha-2

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "line1": self.line1,
            "line2": self.line2,
            "city": self.city,
            "state": self.state,
            "postcode": self.postcode,
            "country": self.country,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Address:
        return cls(
            kind=data.get("kind") or "billing",
            line1=data.get("line1") or "",
            line2=data.get("line2"),
            city=data.get("city"),
            state=data.get("state"),
            postcode=data.get("postcode"),
            country=data.get("country"),
        )


@dataclass(frozen=True)
class Contact:
    name: str
    email: str | None = None
    phone: str | None = None
    role: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "email": self.email, "phone": self.phone, "role": self.role}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Contact:
        return cls(
            name=data.get("name") or "",
            email=data.get("email"),
            phone=data.get("phone"),
            role=data.get("role"),
        )
