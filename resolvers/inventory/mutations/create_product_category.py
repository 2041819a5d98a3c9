from __future__ import annotations

import uuid

import strawberry

from domain.inventory import handlers
from domain.inventory.commands import CreateProductCategory
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.inventory.types import (
    CreateProductCategoryInput,
    ProductCategory,
    ProductCategoryPayload,
    ProductError,
)


async def create_product_category(
    info: strawberry.Info, input: CreateProductCategoryInput
) -> ProductCategoryPayload:
    def account(value: strawberry.ID | None, field: str) -> uuid.UUID | None:
        return parse_id(value, field, "account") if value is not None else None

    try:
        command = CreateProductCategory(
            company_id=parse_id(input.company_id, "companyId", "company"),
            name=input.name,
            inventory_account_id=account(input.inventory_account_id, "inventoryAccountId"),
            cogs_account_id=account(input.cogs_account_id, "cogsAccountId"),
            adjustment_account_id=account(input.adjustment_account_id, "adjustmentAccountId"),
            goods_received_account_id=account(
                input.goods_received_account_id, "goodsReceivedAccountId"
            ),
        )
        category = await run_command(info, handlers.create_product_category, command)
    except DomainError as exc:
        return ProductCategoryPayload(category=None, errors=ProductError.from_domain(exc.errors))
    return ProductCategoryPayload(category=ProductCategory.of(category), errors=[])
