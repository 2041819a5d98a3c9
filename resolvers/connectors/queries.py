from __future__ import annotations

import strawberry

from db.readmodels.connectors import connectors_list
from resolvers.ids import optional_argument_id
from schema.connectors.types import Connector
from schema.permissions import guarded


@strawberry.type
class ConnectorQueries:
    @strawberry.field(
        **guarded(
            "connector:read",
            "Connectors of the companies you may enter (of one company with companyId), by "
            "company then name. Credentials are never shown.",
        )
    )
    async def connectors(
        self, info: strawberry.Info, company_id: strawberry.ID | None = None
    ) -> list[Connector]:
        company = optional_argument_id(company_id, "companyId")
        visible = info.context.grants.visible_companies()
        found = await connectors_list(
            info.context.tenant_engine, set(visible) if visible is not None else None, company
        )
        return [Connector.of(c, has_credentials) for c, has_credentials in found]
