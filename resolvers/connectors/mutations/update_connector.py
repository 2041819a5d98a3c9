from __future__ import annotations

import strawberry

from domain.connectors import handlers
from domain.connectors.commands import UpdateConnector
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.connectors.mutations.create_connector import settings_input
from resolvers.connectors.ports import CONNECTORS
from resolvers.ids import parse_id
from schema.connectors.types import (
    Connector,
    ConnectorError,
    UpdateConnectorInput,
    UpdateConnectorPayload,
)


async def update_connector(
    info: strawberry.Info, input: UpdateConnectorInput
) -> UpdateConnectorPayload:
    try:
        command = UpdateConnector(
            connector_id=parse_id(input.id, "id", "Connector"),
            name=input.name,
            settings=settings_input(input.settings) if input.settings else None,
            credentials=input.credentials.as_dict() if input.credentials else None,
            enabled=input.enabled,
            schedule=input.schedule,
        )
        connector = await run_command(
            info,
            handlers.update_connector,
            command,
            connectors=CONNECTORS,
            urls=info.context.services.webhook_urls,
        )
    except DomainError as exc:
        return UpdateConnectorPayload(connector=None, errors=ConnectorError.from_domain(exc.errors))
    return UpdateConnectorPayload(connector=Connector.of(connector), errors=[])
