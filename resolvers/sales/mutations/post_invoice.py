from __future__ import annotations

import strawberry

from domain.sales import handlers
from domain.sales.commands import PostInvoice
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from resolvers.sales.mutations.common import invoice_of
from schema.sales.types import InvoiceError, InvoiceIdInput, InvoicePayload


async def post_invoice(info: strawberry.Info, input: InvoiceIdInput) -> InvoicePayload:
    try:
        command = PostInvoice(invoice_id=parse_id(input.id, "id", "invoice"))
        invoice = await run_command(info, handlers.post_invoice, command)
    except DomainError as exc:
        return InvoicePayload(invoice=None, errors=InvoiceError.from_domain(exc.errors))
    return InvoicePayload(invoice=await invoice_of(info, invoice), errors=[])
