from __future__ import annotations

import uuid
from typing import Protocol

from domain.tax.model import TaxCode


class TaxCodeRepository(Protocol):
    async def for_company(self, company_id: uuid.UUID) -> dict[str, TaxCode]:
        """The company's tax codes by code (inactive ones included: callers refuse them).
        The first call for a company seeds the default SST set (idempotent under concurrency)."""
