"""Sales GraphQL payloads and their per-mutation error types."""

from __future__ import annotations

import strawberry

from domain.sales.model import AccountRole
from domain.tax.model import TaxRounding
from schema.errors import UserError
from schema.sales.types.customers import Customer
from schema.sales.types.documents import Invoice, SalesDocument
from schema.sales.types.payments import CustomerPayment


@strawberry.type
class CustomerError(UserError):
    pass


@strawberry.type(
    description="`field` names the input at fault; for items `items.<index>.<field>`, from 0."
)
class InvoiceError(UserError):
    pass


@strawberry.type
class SalesDocumentError(UserError):
    pass


@strawberry.type(description="For allocations `allocations.<index>.<field>`, from 0.")
class PaymentError(UserError):
    pass


@strawberry.type
class CustomerPayload:
    customer: Customer | None
    errors: list[CustomerError]


@strawberry.type
class InvoicePayload:
    invoice: Invoice | None
    errors: list[InvoiceError]


@strawberry.type
class SalesDocumentPayload:
    document: SalesDocument | None
    errors: list[SalesDocumentError]


@strawberry.type
class PaymentPayload:
    payment: CustomerPayment | None
    errors: list[PaymentError]


@strawberry.type(description="The account a posting role books to in a company.")
class SalesAccount:
    role: AccountRole
    account_id: strawberry.ID | None = strawberry.field(
        description="null: the company has no account for the role (postings needing it fail)."
    )


@strawberry.input(description="accountId null: back to the default code's account.")
class SetSalesAccountInput:
    company_id: strawberry.ID
    role: AccountRole
    account_id: strawberry.ID | None = None


@strawberry.type
class SalesAccountError(UserError):
    pass


@strawberry.type
class SalesAccountsPayload:
    accounts: list[SalesAccount] | None
    errors: list[SalesAccountError]


@strawberry.input
class SetTaxRoundingInput:
    company_id: strawberry.ID
    rounding: TaxRounding


@strawberry.type
class TaxRoundingPayload:
    rounding: TaxRounding | None
    errors: list[SalesAccountError]
