"""Purchasing model: products as purchasing sees them (the facts it checks)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Protocol

from domain.shared.errors import ErrorCode, ValidationErrors


class ProductFacts(Protocol):
    """What purchasing needs to know of a product (inventory's Product, read through
    `uow.products`)."""

    @property
    def company_id(self) -> uuid.UUID: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def is_stocked(self) -> bool: ...

    @property
    def sku(self) -> str: ...


def check_product(
    errors: ValidationErrors,
    product_id: uuid.UUID,
    products: Mapping[uuid.UUID, ProductFacts],
    company_id: uuid.UUID,
    path: str,
) -> ProductFacts | None:
    product = products.get(product_id)
    if product is None or product.company_id != company_id:
        errors.add(path, "No such product in this company.", ErrorCode.NOT_FOUND)
        return None
    if not product.is_active:
        errors.add(path, f"Product {product.sku} is inactive.", ErrorCode.INVALID_STATE)
        return None
    return product
