from __future__ import annotations

import strawberry

from domain.sales import handlers
from domain.sales.commands import CreateDebitNote
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from resolvers.sales.mutations.common import invoice_of, items, tenant_today
from schema.sales.types import CreateDebitNoteInput, InvoiceError, InvoicePayload


async def create_debit_note(info: strawberry.Info, input: CreateDebitNoteInput) -> InvoicePayload:
    try:
        command = CreateDebitNote(
            invoice_id=parse_id(input.invoice_id, "invoiceId", "invoice"),
            items=items(input.items),
            issue_date=input.issue_date or tenant_today(info),
            due_date=input.due_date,
            reason=input.reason,
        )
        note = await run_command(info, handlers.create_debit_note, command)
    except DomainError as exc:
        return InvoicePayload(invoice=None, errors=InvoiceError.from_domain(exc.errors))
    return InvoicePayload(invoice=await invoice_of(info, note), errors=[])
