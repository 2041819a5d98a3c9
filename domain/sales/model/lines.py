"""Sales model: document lines, priced and taxed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from domain.accounting.model import AMOUNT_QUANTUM
from domain.sales.model.accounts import AccountRole, SalesAccounts
from domain.sales.model.common import (
    AMOUNT_MAX,
    DESCRIPTION_MAX,
    HUNDRED,
    MAX_ITEMS,
    QUANTITY_QUANTUM,
    ZERO,
    Problems,
    _text,
)
from domain.shared.errors import ErrorCode
from domain.shared.money import has_places, round_to_minor_unit
from domain.tax.model import TaxCode, TaxRounding, line_tax


class ProductView(Protocol):
    """What sales reads of a product (the inventory context's Product satisfies it)."""

    @property
    def company_id(self) -> uuid.UUID: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def is_stocked(self) -> bool: ...
    @property
    def name(self) -> str: ...
    @property
    def selling_price(self) -> Decimal | None: ...


@dataclass(frozen=True)
class ItemInput:
    """One item as the client sent it: a product or free text."""

    product_id: uuid.UUID | None
    quantity: Decimal
    unit_price: Decimal | None = None  # None: the product's selling price
    description: str | None = None
    discount_percent: Decimal = ZERO
    tax_code: str | None = None
    warehouse_id: uuid.UUID | None = None


@dataclass
class SalesLine:
    line_number: int  # 1-based
    product_id: uuid.UUID | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_code: str | None
    tax_rate: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    line_total: Decimal
    revenue_account_id: uuid.UUID | None = None
    tax_account_id: uuid.UUID | None = None
    warehouse_id: uuid.UUID | None = None
    source_line_number: int | None = None
    # The cost the books carry for the goods the line moved: the value of `stock_movement_id`,
    # followed when a back-dated movement re-values it (the stock repository keeps it so).
    cost_amount: Decimal = ZERO
    fulfilled_quantity: Decimal = ZERO
    stock_movement_id: uuid.UUID | None = None  # the movement that took (or returned) the goods
    is_stocked: bool = False  # not stored: known from the product when the document is built

    @property
    def open_quantity(self) -> Decimal:
        return self.quantity - self.fulfilled_quantity


def price_line(
    *,
    line_number: int,
    currency: str,
    product_id: uuid.UUID | None,
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    discount_percent: Decimal,
    tax: TaxCode | None,
    rounding: TaxRounding,
    revenue_account_id: uuid.UUID | None,
    warehouse_id: uuid.UUID | None,
    is_stocked: bool,
    source_line_number: int | None = None,
) -> SalesLine:
    gross = quantity * unit_price
    net = round_to_minor_unit(gross - gross * discount_percent / HUNDRED, currency)
    tax_amount = line_tax(net, tax, rounding) if tax is not None else ZERO
    return SalesLine(
        line_number=line_number,
        product_id=product_id,
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        discount_percent=discount_percent,
        tax_code=tax.code if tax else None,
        tax_rate=tax.rate if tax else ZERO,
        net_amount=net,
        tax_amount=tax_amount,
        line_total=net + tax_amount,
        revenue_account_id=revenue_account_id,
        tax_account_id=tax.account_id if tax else None,
        warehouse_id=warehouse_id,
        source_line_number=source_line_number,
        is_stocked=is_stocked,
    )


def build_lines(
    items: Sequence[ItemInput],
    *,
    company_id: uuid.UUID,
    currency: str,
    products: Mapping[uuid.UUID, ProductView],
    tax_codes: Mapping[str, TaxCode],
    accounts: SalesAccounts | None,
    default_warehouse: uuid.UUID | None,
    require_warehouse: bool,
    rounding: TaxRounding = TaxRounding.HALF_UP,
    field_prefix: str = "items",
) -> list[SalesLine]:
    """Check every item (all problems at once) and price it."""
    errors = Problems()
    if not items:
        errors.add(field_prefix, "A document needs at least one item.", ErrorCode.REQUIRED)
    if len(items) > MAX_ITEMS:
        errors.add(field_prefix, f"A document has at most {MAX_ITEMS} items.")
    errors.raise_if_any()
    lines: list[SalesLine] = []
    for i, item in enumerate(items):
        at = f"{field_prefix}.{i}"
        product = products.get(item.product_id) if item.product_id is not None else None
        if item.product_id is not None and (product is None or product.company_id != company_id):
            errors.add(f"{at}.productId", "No such product in this company.", ErrorCode.NOT_FOUND)
            continue
        if product is not None and not product.is_active:
            errors.add(f"{at}.productId", "This product is inactive.")
        description = _text(item.description) or (product.name if product else None)
        if description is None:
            errors.add(
                f"{at}.description",
                "A free-text item needs a description.",
                ErrorCode.REQUIRED,
            )
        elif len(description) > DESCRIPTION_MAX:
            errors.add(f"{at}.description", f"At most {DESCRIPTION_MAX} characters.")
        if not item.quantity.is_finite() or item.quantity <= 0:
            errors.add(f"{at}.quantity", "The quantity must be greater than zero.")
        elif not has_places(item.quantity, QUANTITY_QUANTUM) or item.quantity > AMOUNT_MAX:
            errors.add(f"{at}.quantity", "A quantity has at most 4 decimal places.")
        price = item.unit_price
        if price is None:
            price = product.selling_price if product is not None else None
            if price is None:
                errors.add(f"{at}.unitPrice", "A unit price is required.", ErrorCode.REQUIRED)
        elif price < 0:
            errors.add(f"{at}.unitPrice", "The unit price cannot be negative.")
        elif not has_places(price, AMOUNT_QUANTUM) or price > AMOUNT_MAX:
            errors.add(f"{at}.unitPrice", "A unit price has at most 4 decimal places.")
        if not ZERO <= item.discount_percent <= HUNDRED:
            errors.add(f"{at}.discountPercent", "A discount is 0 to 100 percent.")
        tax: TaxCode | None = None
        if item.tax_code is not None:
            tax = tax_codes.get(item.tax_code.strip().upper())
            if tax is None or not tax.is_active:
                errors.add(f"{at}.taxCode", f"No active tax code '{item.tax_code}'.")
        is_stocked = bool(product is not None and product.is_stocked)
        warehouse = item.warehouse_id or default_warehouse
        if is_stocked and require_warehouse and warehouse is None:
            errors.add(
                f"{at}.warehouseId",
                "A stocked product needs a warehouse (on the item or the document).",
                ErrorCode.REQUIRED,
            )
        if errors:  # an item failed: the document is refused; check the rest, price none
            continue
        assert price is not None and description is not None
        revenue = None
        if accounts is not None:
            revenue = accounts[AccountRole.SALES if is_stocked else AccountRole.SERVICE]
        lines.append(
            price_line(
                line_number=i + 1,
                currency=currency,
                product_id=item.product_id,
                description=description,
                quantity=item.quantity,
                unit_price=price,
                discount_percent=item.discount_percent,
                tax=tax,
                rounding=rounding,
                revenue_account_id=revenue,
                warehouse_id=warehouse if is_stocked else item.warehouse_id,
                is_stocked=is_stocked,
            )
        )
    errors.raise_if_any()
    return lines
