from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self

import strawberry

from schema.accounting.types import ChartTemplate
from schema.errors import UserError
from schema.relay import PageInfo


@strawberry.federation.type(keys=["id"], description="A legal entity whose books a tenant keeps.")
class Company:
    id: strawberry.ID
    name: str
    registration_number: str | None
    tax_number: str | None
    currency_code: str = strawberry.field(description="ISO 4217 base currency of the books.")
    timezone: str = strawberry.field(description="IANA timezone, e.g. Asia/Kuala_Lumpur.")
    created_at: datetime
    updated_at: datetime
    created_by: strawberry.ID
    updated_by: strawberry.ID
    version: int = strawberry.field(
        description="Optimistic-concurrency version: send it back with updateCompany."
    )

    @classmethod
    def from_row(cls, row: Mapping[str, Any] | Any) -> Self:
        get = row.__getitem__ if isinstance(row, Mapping) else row.__getattribute__
        return cls(
            id=strawberry.ID(str(get("id"))),
            name=get("name"),
            registration_number=get("registration_number"),
            tax_number=get("tax_number"),
            currency_code=get("currency_code"),
            timezone=get("timezone"),
            created_at=get("created_at"),
            updated_at=get("updated_at"),
            created_by=strawberry.ID(str(get("created_by"))),
            updated_by=strawberry.ID(str(get("updated_by"))),
            version=get("version"),
        )

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Self | None:
        """Federation `_entities`: only ever within the caller's own tenant."""
        try:
            key = uuid.UUID(str(id))
        except ValueError:
            return None
        if info.context.principal is None or not info.context.grants.can_enter(key):
            return None
        row = await info.context.loaders.company_by_id.load(key)
        return cls.from_row(row) if row is not None else None


@strawberry.type
class CompanyEdge:
    cursor: str
    node: Company


@strawberry.type
class CompanyConnection:
    edges: list[CompanyEdge]
    page_info: PageInfo


@strawberry.input
class CreateCompanyInput:
    name: str
    registration_number: str | None = None
    tax_number: str | None = None
    currency_code: str = "USD"
    timezone: str = "UTC"
    chart_of_accounts: ChartTemplate = strawberry.field(
        default=ChartTemplate.MALAYSIAN_SME,
        description="The chart of accounts the company starts with (EMPTY: none).",
    )


@strawberry.input(description="Send only the fields to change, with the version you last read.")
class UpdateCompanyInput:
    id: strawberry.ID
    version: int
    name: str | None = strawberry.UNSET
    registration_number: str | None = strawberry.UNSET
    tax_number: str | None = strawberry.UNSET
    currency_code: str | None = strawberry.UNSET
    timezone: str | None = strawberry.UNSET


@strawberry.type
class CreateCompanyError(UserError):
    pass


@strawberry.type
class UpdateCompanyError(UserError):
    pass


@strawberry.type
class CreateCompanyPayload:
    company: Company | None
    errors: list[CreateCompanyError]


@strawberry.type
class UpdateCompanyPayload:
    company: Company | None
    errors: list[UpdateCompanyError]
