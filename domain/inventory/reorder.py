"""Reorder suggestions (the spec's ReorderCalculationService).

For a product whose inventory position (on hand - reserved + incoming, over its warehouses)
is at or below its reorder point:

    average daily usage = quantity issued over the last `window_days` days / window_days
    safety stock        = average daily usage * safety_days
    needed              = average daily usage * lead_time_days + safety stock - position,
                          and at least enough to bring the position back to the reorder point
    suggested           = needed rounded UP to a whole number of reorder quantities (at least
                          one lot); without a reorder quantity, `needed` itself.

Usage counts issues only (sales, consumption); adjustments and transfers are not demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from domain.inventory.model import ZERO, Product
from domain.shared.money import round4


@dataclass(frozen=True)
class Suggestion:
    product: Product
    on_hand: Decimal
    available: Decimal
    incoming: Decimal
    average_daily_usage: Decimal
    safety_stock: Decimal
    suggested_quantity: Decimal


def suggest(
    product: Product,
    *,
    on_hand: Decimal,
    reserved: Decimal,
    incoming: Decimal,
    issued_in_window: Decimal,
    window_days: int,
    safety_days: int,
) -> Suggestion | None:
    position = on_hand - reserved + incoming
    if position > product.reorder_point:
        return None
    usage = round4(issued_in_window / window_days) if window_days > 0 else ZERO
    if product.reorder_point == 0 and product.reorder_quantity == 0 and usage == 0:
        return None  # nothing configured and no demand: not a reorder item
    safety = round4(usage * safety_days)
    needed = max(
        usage * product.lead_time_days + safety - position, product.reorder_point - position
    )
    lot = product.reorder_quantity
    if lot > 0:
        lots = max(Decimal(1), (needed / lot).to_integral_value(rounding=ROUND_CEILING))
        suggested = lots * lot
    elif needed > 0:
        suggested = round4(needed)
    else:
        return None
    return Suggestion(
        product=product,
        on_hand=on_hand,
        available=on_hand - reserved,
        incoming=incoming,
        average_daily_usage=usage,
        safety_stock=safety,
        suggested_quantity=suggested,
    )
