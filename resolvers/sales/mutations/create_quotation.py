from __future__ import annotations

import strawberry

from domain.sales import handlers
from domain.sales.commands import CreateQuotation
from domain.shared.errors import DomainError
from resolvers.commands import run_command
from resolvers.ids import parse_id
from resolvers.sales.mutations.common import document_of, items, tenant_today
from schema.sales.types import (
    CreateQuotationInput,
    SalesDocumentError,
    SalesDocumentPayload,
)


async def create_quotation(
    info: strawberry.Info, input: CreateQuotationInput
) -> SalesDocumentPayload:
    try:
        command = CreateQuotation(
            customer_id=parse_id(input.customer_id, "customerId", "customer"),
            items=items(input.items),
            valid_until=input.valid_until,
            notes=input.notes,
            issue_date=input.issue_date or tenant_today(info),
            currency_code=input.currency_code,
            reference=input.reference,
        )
        quotation = await run_command(info, handlers.create_quotation, command)
    except DomainError as exc:
        return SalesDocumentPayload(
            document=None, errors=SalesDocumentError.from_domain(exc.errors)
        )
    return SalesDocumentPayload(document=await document_of(info, quotation), errors=[])
