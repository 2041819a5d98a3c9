from __future__ import annotations

import strawberry

from domain.connectors import handlers
from domain.connectors.commands import CreateConnector, SettingsInput
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.connectors.ports import CONNECTORS
from resolvers.ids import parse_id
from schema.connectors.types import (
    Connector,
    ConnectorError,
    ConnectorSettingsInput,
    CreateConnectorInput,
    CreateConnectorPayload,
)


def settings_input(given: ConnectorSettingsInput) -> SettingsInput:
    return SettingsInput(
        base_url=given.base_url,
        currencies=tuple(given.currencies) if given.currencies is not None else None,
        rate_type=given.rate_type,
    )


async def create_connector(
    info: strawberry.Info, input: CreateConnectorInput
) -> CreateConnectorPayload:
    try:
        command = CreateConnector(
            company_id=parse_id(input.company_id, "companyId", "Company"),
            kind=input.kind,
            name=input.name,
            settings=settings_input(input.settings),
            credentials=input.credentials.as_dict() if input.credentials else None,
            enabled=input.enabled,
            schedule=input.schedule,
        )
        connector = await run_command(
            info,
            handlers.create_connector,
            command,
            connectors=CONNECTORS,
            urls=info.context.services.webhook_urls,  # the same SSRF guard as webhooks
        )
    except DomainError as exc:
        return CreateConnectorPayload(connector=None, errors=ConnectorError.from_domain(exc.errors))
    return CreateConnectorPayload(connector=Connector.of(connector), errors=[])
