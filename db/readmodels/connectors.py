"""The read side of connectors (queries never write), and the connector repository a command
port builds on a unit of work's connection."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from db.repositories.connectors import UnitOfWorkConnectors, connectors_of
from domain.connectors.model import Connector
from domain.shared.events import EventOrigin


def connector_repository(uow: Any, origin: EventOrigin) -> UnitOfWorkConnectors:
    """For resolvers.commands.UnitOfWorkPort."""
    return UnitOfWorkConnectors(uow)


async def connectors_list(
    engine: AsyncEngine, companies: set[uuid.UUID] | None, company_id: uuid.UUID | None
) -> list[tuple[Connector, bool]]:
    async with engine.connect() as conn:
        return await connectors_of(conn, companies, company_id)
