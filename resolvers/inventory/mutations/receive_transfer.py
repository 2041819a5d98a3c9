from __future__ import annotations

import strawberry

from domain.inventory import handlers
from domain.inventory.commands import ReceiveTransfer
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from resolvers.inventory.mutations.payload import stock_payload
from schema.inventory.types import ReceiveTransferInput, StockError, StockPayload


async def receive_transfer(info: strawberry.Info, input: ReceiveTransferInput) -> StockPayload:
    try:
        command = ReceiveTransfer(
            transfer_id=parse_id(input.id, "id", "transfer"), occurred_on=input.occurred_on
        )
        change = await run_command(info, handlers.receive_transfer, command)
    except DomainError as exc:
        return StockPayload(
            levels=[], movement_ids=[], transfer=None, errors=StockError.from_domain(exc.errors)
        )
    return await stock_payload(info, change)
