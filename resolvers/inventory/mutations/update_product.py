from __future__ import annotations

from typing import Any

import strawberry

from domain.inventory import handlers
from domain.inventory.commands import UpdateProduct
from domain.inventory.model import PRODUCT_FIELDS
from domain.shared.errors import DomainError, ErrorCode
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.inventory.types import Product, ProductError, ProductPayload, UpdateProductInput

_NULLABLE = {"description", "category_id", "barcode"}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


async def update_product(info: strawberry.Info, input: UpdateProductInput) -> ProductPayload:
    try:
        changes: dict[str, Any] = {}
        for attribute in PRODUCT_FIELDS:
            value = getattr(input, attribute)
            if value is strawberry.UNSET:
                continue
            if value is None and attribute not in _NULLABLE:
                raise DomainError.single(ErrorCode.REQUIRED, "Cannot be null.", _camel(attribute))
            if attribute == "category_id" and value is not None:
                value = parse_id(value, "categoryId", "category")
            changes[attribute] = value
        command = UpdateProduct(
            product_id=parse_id(input.id, "id", "product"),
            expected_version=input.version,
            changes=changes,
        )
        product = await run_command(info, handlers.update_product, command)
    except DomainError as exc:
        return ProductPayload(product=None, errors=ProductError.from_domain(exc.errors))
    return ProductPayload(product=Product.of(product), errors=[])
