from __future__ import annotations

import uuid
from typing import Protocol

from domain.tax.model import TaxCode, TaxRounding


class TaxCodeRepository(Protocol):
    async def for_company(self, company_id: uuid.UUID) -> dict[str, TaxCode]:
        """The company's tax codes by code (inactive ones included: callers refuse them).
        The first call for a company seeds the default SST set (idempotent under concurrency)."""

    async def rounding(self, company_id: uuid.UUID) -> TaxRounding:
        """How the company rounds each line's tax (HALF_UP unless set): sales documents and
        supplier bills alike."""

    async def set_rounding(self, company_id: uuid.UUID, rounding: TaxRounding) -> None: ...
