from __future__ import annotations

import strawberry

from domain.sales import handlers
from domain.sales.commands import CreateCreditNote, CreditLineInput
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from resolvers.sales.mutations.common import invoice_of, tenant_today
from schema.sales.types import CreateCreditNoteInput, InvoiceError, InvoicePayload


async def create_credit_note(info: strawberry.Info, input: CreateCreditNoteInput) -> InvoicePayload:
    try:
        command = CreateCreditNote(
            invoice_id=parse_id(input.invoice_id, "invoiceId", "invoice"),
            lines=tuple(
                CreditLineInput(
                    line_number=x.line_number, quantity=x.quantity, unit_price=x.unit_price
                )
                for x in input.lines
            ),
            return_stock=input.return_stock,
            issue_date=input.issue_date or tenant_today(info),
            reason=input.reason,
        )
        note = await run_command(info, handlers.create_credit_note, command)
    except DomainError as exc:
        return InvoicePayload(invoice=None, errors=InvoiceError.from_domain(exc.errors))
    return InvoicePayload(invoice=await invoice_of(info, note), errors=[])
