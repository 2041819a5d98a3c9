from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from db.readmodels.companies import companies_page
from resolvers.errors import bad_input
from schema.company.types import Company, CompanyConnection, CompanyEdge
from schema.permissions import guarded
from schema.relay import InvalidCursor, PageInfo, clamp_first, decode_cursor, encode_cursor


@strawberry.type
class CompanyQueries:
    @strawberry.field(**guarded("company:read", "One company of your tenant, or null."))
    async def company(self, info: strawberry.Info, id: strawberry.ID) -> Company | None:
        try:
            key = uuid.UUID(str(id))
        except ValueError:
            raise bad_input("`id` is not a company id.", "id") from None
        if not info.context.grants.can_enter(key):
            return None  # the same answer as for a company that does not exist
        row = await info.context.loaders.company_by_id.load(key)
        return Company.from_row(row) if row is not None else None

    @strawberry.field(**guarded("company:read", "Your tenant's companies, oldest first."))
    async def companies(
        self,
        info: strawberry.Info,
        first: int | None = 20,
        after: str | None = None,
        tax_number: Annotated[
            str | None,
            strawberry.argument(
                description="Only the companies with exactly this tax number "
                "(ignoring case and surrounding spaces)."
            ),
        ] = None,
    ) -> CompanyConnection:
        try:
            size = clamp_first(first)
            position = decode_cursor(after) if after else None
        except InvalidCursor as exc:
            raise bad_input(str(exc), "after") from None
        except ValueError as exc:
            raise bad_input(str(exc), "first") from None
        rows = await companies_page(
            info.context.tenant_engine,
            first=size,
            after=position,
            visible=info.context.grants.visible_companies(),
            cipher=info.context.services.cipher,
            tax_number=tax_number,
        )
        page = rows[:size]
        edges = [
            CompanyEdge(cursor=encode_cursor(r["created_at"], r["id"]), node=Company.from_row(r))
            for r in page
        ]
        return CompanyConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > size,
                has_previous_page=position is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
