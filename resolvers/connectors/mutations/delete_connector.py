from __future__ import annotations

import strawberry

from domain.connectors import handlers
from domain.connectors.commands import DeleteConnector
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.connectors.ports import CONNECTORS
from resolvers.ids import parse_id
from schema.connectors.types import ConnectorError, DeleteConnectorPayload


async def delete_connector(info: strawberry.Info, id: strawberry.ID) -> DeleteConnectorPayload:
    try:
        command = DeleteConnector(parse_id(id, "id", "Connector"))
        deleted = await run_command(info, handlers.delete_connector, command, connectors=CONNECTORS)
    except DomainError as exc:
        return DeleteConnectorPayload(
            deleted_id=None, errors=ConnectorError.from_domain(exc.errors)
        )
    return DeleteConnectorPayload(deleted_id=strawberry.ID(str(deleted)), errors=[])
