"""Tax codes and the tax on one document line.

A tax code belongs to a company: a code ("SST10"), a name, a rate in percent and, optionally,
the liability account its tax is booked to (None: the context's default, 2200 SST Payable).
Every company starts with the Malaysian SST set (`DEFAULT_CODES`), stored by the first command
that reads its codes (`TaxCodeRepository.for_company`); until then the taxCodes query shows the
same set unstored (a default code's id is derived from the company and the code, so it is the
id the command will store).

Rounding: tax is computed per line, `net x rate / 100`, and rounded to 2 decimal places (sen)
with one of the `TaxRounding` modes — HALF_UP (the default, what SST returns use), HALF_EVEN
(banker's rounding) or DOWN (truncate). A document's tax is the sum of its lines' taxes, so the
invoice, its journal entry and the tax report always agree line by line.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import StrEnum

TAX_QUANTUM = Decimal("0.01")
RATE_MAX = Decimal(100)
CODE_MAX = 20
NAME_MAX = 100


class TaxRounding(StrEnum):
    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    DOWN = "down"

    @property
    def decimal_mode(self) -> str:
        return {
            TaxRounding.HALF_UP: ROUND_HALF_UP,
            TaxRounding.HALF_EVEN: ROUND_HALF_EVEN,
            TaxRounding.DOWN: ROUND_DOWN,
        }[self]


class TaxKind(StrEnum):
    SALES = "sales"  # SST sales tax on goods
    SERVICE = "service"  # SST service tax
    EXEMPT = "exempt"


@dataclass(frozen=True)
class TaxCode:
    id: uuid.UUID
    company_id: uuid.UUID
    code: str
    name: str
    rate: Decimal  # percent: 10 means 10 %
    account_id: uuid.UUID | None  # None: the default tax account (2200 SST Payable)
    is_active: bool = True
    kind: TaxKind = TaxKind.SALES

    @property
    def fraction(self) -> Decimal:
        return self.rate / Decimal(100)


@dataclass(frozen=True)
class DefaultTaxCode:
    code: str
    name: str
    rate: Decimal
    kind: TaxKind


# Malaysia's SST (Sales and Service Tax, since 2018; rates as revised in 2024-2025).
DEFAULT_CODES: tuple[DefaultTaxCode, ...] = (
    DefaultTaxCode("SST10", "Sales tax 10%", Decimal(10), TaxKind.SALES),
    DefaultTaxCode("SST5", "Sales tax 5%", Decimal(5), TaxKind.SALES),
    DefaultTaxCode("SVC8", "Service tax 8%", Decimal(8), TaxKind.SERVICE),
    DefaultTaxCode("SVC6", "Service tax 6%", Decimal(6), TaxKind.SERVICE),
    DefaultTaxCode("EX", "Exempt", Decimal(0), TaxKind.EXEMPT),
)
DEFAULT_CODE_NAMES = frozenset(d.code for d in DEFAULT_CODES)


def default_codes_for(company_id: uuid.UUID) -> list[TaxCode]:
    return [
        TaxCode(
            id=uuid.uuid5(company_id, d.code),
            company_id=company_id,
            code=d.code,
            name=d.name,
            rate=d.rate,
            account_id=None,
            is_active=True,
            kind=d.kind,
        )
        for d in DEFAULT_CODES
    ]


def line_tax(
    net: Decimal, code: TaxCode | None, rounding: TaxRounding = TaxRounding.HALF_UP
) -> Decimal:
    """The tax on a line's net amount, rounded to 2 dp with `rounding` (no code: no tax).

    A negative net (a credit note line) gives the mirror of the positive net's tax, so a credit
    note reverses exactly the tax its invoice charged.
    """
    if code is None or code.rate == 0:
        return Decimal("0.00")
    magnitude = (abs(net) * code.rate / Decimal(100)).quantize(
        TAX_QUANTUM, rounding=rounding.decimal_mode
    )
    return -magnitude if net < 0 else magnitude
