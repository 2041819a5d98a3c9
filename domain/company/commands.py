from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from domain.accounting.templates import ChartTemplate


@dataclass(frozen=True)
class CreateCompany:
    name: str
    currency_code: str = "USD"
    timezone: str = "UTC"
    registration_number: str | None = None
    tax_number: str | None = None
    chart_of_accounts: ChartTemplate = ChartTemplate.MALAYSIAN_SME  # opened with the company


@dataclass(frozen=True)
class UpdateCompany:
    company_id: uuid.UUID
    expected_version: int
    changes: Mapping[str, str | None]  # only the attributes the caller sent
