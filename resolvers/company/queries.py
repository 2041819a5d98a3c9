from __future__ import annotations

from typing import Annotated

import strawberry

from db.readmodels.companies import companies_page
from resolvers.ids import argument_id
from schema.company.types import Company, CompanyConnection, CompanyEdge
from schema.cursors import CREATED_AT
from schema.permissions import guarded
from schema.relay import page_info, page_size


@strawberry.type
class CompanyQueries:
    @strawberry.field(**guarded("company:read", "One company of your tenant, or null."))
    async def company(self, info: strawberry.Info, id: strawberry.ID) -> Company | None:
        key = argument_id(id, "id")
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
        size = page_size(first)
        position = CREATED_AT.decode(after) if after else None
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
            CompanyEdge(
                cursor=CREATED_AT.encode(r["created_at"], r["id"]), node=Company.from_row(r)
            )
            for r in page
        ]
        return CompanyConnection(
            edges=edges,
            page_info=page_info(edges, len(rows) > size, position is not None),
        )
