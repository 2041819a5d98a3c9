"""What the customer (sales) and supplier (purchasing) repositories share: the columns every
party has, and its tax id, sealed on write and opened on read (`db/crypto.py`), so the domain
sees plaintext and the table never holds it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from db.crypto import EncryptedField, FieldCipher, tenant_schema

# Stored as they are in the aggregate, with the same name, by both contexts.
PARTY_COLUMNS = (
    "id",
    "company_id",
    "code",
    "name",
    "registration_number",
    "currency_code",
    "payment_terms_days",
    "credit_limit",
    "is_active",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "version",
)


class SealedParty(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def tax_id(self) -> str | None: ...


def party_fields(
    row: Mapping[Any, Any], tax_id: EncryptedField, cipher: FieldCipher, *, tenant: str
) -> dict[str, Any]:
    """The shared attributes of a party from its stored row, the tax id opened (a row copied
    from another tenant or row fails with DecryptionError)."""
    row = tax_id.open_row(cipher, row, tenant=tenant)
    return {name: row[name] for name in PARTY_COLUMNS} | {"tax_id": row["tax_id"]}


def party_values(party: object) -> dict[str, Any]:
    """The shared columns' values of a party (its tax id apart: see `TaxIdSealing`)."""
    return {name: getattr(party, name) for name in PARTY_COLUMNS}


class TaxIdSealing:
    """A repository of parties whose `tax_id` is sealed with `tax_id_field`; it fails closed
    without a cipher rather than write a tax id in plaintext."""

    def __init__(
        self, conn: AsyncConnection, cipher: FieldCipher | None, tax_id_field: EncryptedField
    ) -> None:
        self._conn = conn
        self._given_cipher = cipher
        self._tax_id_field = tax_id_field

    @property
    def _cipher(self) -> FieldCipher:
        if self._given_cipher is None:  # fail closed: never write a tax id in plaintext
            raise RuntimeError("this unit of work has no FieldCipher; pass `cipher=`")
        return self._given_cipher

    def _sealed_tax_id(self, party: SealedParty) -> dict[str, Any]:
        """The tax id's columns: the ciphertext and its blind index (None when unset)."""
        return self._tax_id_field.seal(
            self._cipher, party.tax_id, tenant=tenant_schema(self._conn), row_id=party.id
        )
