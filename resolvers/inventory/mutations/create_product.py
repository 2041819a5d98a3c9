from __future__ import annotations

import strawberry

from domain.inventory import handlers
from domain.inventory.commands import CreateProduct
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from schema.inventory.types import CreateProductInput, Product, ProductError, ProductPayload


async def create_product(info: strawberry.Info, input: CreateProductInput) -> ProductPayload:
    try:
        command = CreateProduct(
            company_id=parse_id(input.company_id, "companyId", "company"),
            sku=input.sku,
            name=input.name,
            description=input.description,
            category_id=(
                parse_id(input.category_id, "categoryId", "category") if input.category_id else None
            ),
            unit_of_measure=input.unit_of_measure,
            barcode=input.barcode,
            is_stocked=input.is_stocked,
            cost_method=input.cost_method,
            selling_price=input.selling_price,
            reorder_point=input.reorder_point,
            reorder_quantity=input.reorder_quantity,
            lead_time_days=input.lead_time_days,
            allow_negative_stock=input.allow_negative_stock,
        )
        product = await run_command(info, handlers.create_product, command)
    except DomainError as exc:
        return ProductPayload(product=None, errors=ProductError.from_domain(exc.errors))
    return ProductPayload(product=Product.of(product), errors=[])
