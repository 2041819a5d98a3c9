from __future__ import annotations

from typing import Any

import strawberry

from domain.purchasing import handlers
from domain.purchasing.commands import UpdateSupplier
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from resolvers.purchasing.mutations.inputs import addresses, contacts
from schema.purchasing.types import (
    Supplier,
    SupplierError,
    SupplierPayload,
    UpdateSupplierInput,
    load_supplier,
)

_PLAIN = (
    "code",
    "name",
    "tax_id",
    "registration_number",
    "currency_code",
    "payment_terms_days",
    "credit_limit",
    "is_active",
)


async def update_supplier(info: strawberry.Info, input: UpdateSupplierInput) -> SupplierPayload:
    try:
        changes: dict[str, Any] = {
            name: getattr(input, name)
            for name in _PLAIN
            if getattr(input, name) is not strawberry.UNSET
        }
        if input.addresses is not strawberry.UNSET:
            changes["addresses"] = addresses(input.addresses)
        if input.contacts is not strawberry.UNSET:
            changes["contacts"] = contacts(input.contacts)
        command = UpdateSupplier(
            supplier_id=parse_id(input.id, "id", "supplier"),
            expected_version=input.version,
            changes=changes,
        )
        supplier = await run_command(info, handlers.update_supplier, command)
    except DomainError as exc:
        return SupplierPayload(supplier=None, errors=SupplierError.from_domain(exc.errors))
    loaded = await load_supplier(info, supplier.id)  # with its balance
    return SupplierPayload(supplier=loaded or Supplier.of(supplier), errors=[])
