"""The carrying amount of an open foreign-currency item (an invoice, a bill) and what settling it
relieves (IAS 21).

An item's carrying amount in base currency is what the books hold for it: its base total at its
own rate, less what settlements relieved, plus its shares of the revaluations in force (a
revaluation that stays restates each open item at the closing rate; one that is auto-reversed
records no shares, its mirror takes the whole adjustment back on the next day).

A settlement relieves the item at its carrying amount: all of it when it settles the rest, else
the settled part's proportion of it (with no revaluation in force: the part at the item's own
rate, as before revaluations were kept per item). The exchange difference on settlement is then
what the settlement is worth at its own rate less what it relieved: realized FX measured against
the carrying amount, while the unrealized FX the revaluation booked stays where it was booked.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING

from domain.accounting.conversion import to_base
from domain.shared.errors import DomainError, ErrorCode, FieldError
from domain.shared.money import round_to_minor_unit

if TYPE_CHECKING:  # the port module names this one's types
    from domain.accounting.ports import RateRepository

ZERO = Decimal(0)
RECEIVABLE = "receivable"
PAYABLE = "payable"


@dataclass(frozen=True)
class OpenItem:
    """An invoice (receivable) or bill (payable) open in a foreign currency on a date."""

    document_id: uuid.UUID
    ledger: str  # RECEIVABLE (a debit in the control account) or PAYABLE (a credit)
    party_id: uuid.UUID  # the customer or supplier
    account_id: uuid.UUID  # the control account the item sits in
    currency_code: str
    amount_due: Decimal  # document currency, > 0
    carrying: Decimal  # base currency, in the item's own direction

    @property
    def sign(self) -> int:
        """The item's direction in the ledger: +1 a debit balance, -1 a credit balance."""
        return 1 if self.ledger == RECEIVABLE else -1


@dataclass(frozen=True)
class ItemShare:
    """What one revaluation changed in one item's carrying amount (> 0: the item grew)."""

    item: OpenItem
    rate: Decimal
    base_change: Decimal

    @property
    def base_adjustment(self) -> Decimal:
        """The same change as the control account sees it (debit positive)."""
        return self.item.sign * self.base_change


def item_share(item: OpenItem, rate: Decimal, base_currency: str) -> ItemShare:
    """The change that restates `item` at `rate`: its due amount's base value less what it
    carries now."""
    value = to_base(item.amount_due, rate, base_currency)
    return ItemShare(item, rate, value - item.carrying)


def relieved_base(
    *,
    amount: Decimal,
    amount_due: Decimal,
    base_due: Decimal,
    revalued: Decimal,
    rate: Decimal,
    base_currency: str,
) -> Decimal:
    """Base currency relieved by settling `amount` of an item that has `amount_due` left, of
    which `base_due` is left of its original base and `revalued` is its revaluation shares in
    force on the settlement date."""
    carrying = base_due + revalued
    if amount >= amount_due:
        return carrying  # the rest, exactly: nothing stays behind in AR/AP
    if revalued == 0:
        return to_base(amount, rate, base_currency)
    with localcontext() as ctx:
        ctx.prec = 60
        part = carrying * amount / amount_due
    return round_to_minor_unit(part, base_currency)


async def shares_in_force(
    rates: RateRepository,
    names: Mapping[uuid.UUID, str],
    settling: Collection[uuid.UUID],
    day: date,
    field: str,
) -> dict[uuid.UUID, Decimal]:
    """The revaluation shares each item being settled carries on `day` (`names`: the items a
    command knows, as its user calls them). A settlement dated before a revaluation that stays
    and restated the item is refused: that revaluation would then restate what it relieved."""
    settling = [i for i in settling if i in names]  # unknown items: refused by the command
    later = await rates.revalued_after(settling, day)
    if later:
        raise DomainError(
            [
                FieldError(
                    ErrorCode.INVALID_STATE,
                    f"{names[i]} was revalued as of {later[i].isoformat()}: settle it on or "
                    "after that date, or reverse that revaluation first.",
                    field,
                )
                for i in sorted(later, key=str)
            ]
        )
    return await rates.revalued_on(settling, day)
