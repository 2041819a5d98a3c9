"""GraphQL documents and helpers the sales tests share."""

from __future__ import annotations

from typing import Any

from tests.accounting.api import Books
from tests.conftest import GraphQLClient, TenantHandle
from tests.inventory.api import Inventory

ERRORS = "errors { code message field }"
CUSTOMER = (
    "id companyId code name taxId registrationNumber email currencyCode paymentTermsDays "
    "creditLimit isActive version addresses { kind line1 city } contacts { name email }"
)
LINES = (
    "lines { lineNumber productId description quantity unitPrice discountPercent taxCode "
    "taxRate netAmount taxAmount total warehouseId sourceLineNumber fulfilledQuantity costAmount }"
)
INVOICE = (
    "id companyId kind invoiceNumber customerId customerName status issueDate dueDate "
    "overdueDays currencyCode exchangeRate subtotal taxTotal total baseTotal amountPaid "
    f"amountCredited amountDue sourceId journalEntryId version {LINES}"
)
DOCUMENT = (
    "id companyId kind number customerId customerName status issueDate dueDate currencyCode "
    f"subtotal taxTotal total sourceId journalEntryId {LINES}"
)
PAYMENT = (
    "id companyId customerId kind number paymentDate currencyCode exchangeRate amount "
    "allocatedAmount refundedAmount unallocatedAmount journalEntryId "
    "allocations { invoiceId invoiceNumber amount baseAmount fxDifference }"
)

CREATE_CUSTOMER = f"""
mutation($input: CreateCustomerInput!) {{
  createCustomer(input: $input) {{ customer {{ {CUSTOMER} }} {ERRORS} }}
}}"""
UPDATE_CUSTOMER = f"""
mutation($input: UpdateCustomerInput!) {{
  updateCustomer(input: $input) {{ customer {{ {CUSTOMER} }} {ERRORS} }}
}}"""
CUSTOMERS = f"""
query($company: ID!, $search: String, $first: Int, $after: String) {{
  customers(companyId: $company, search: $search, first: $first, after: $after) {{
    edges {{ cursor node {{ {CUSTOMER} }} }} pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
CUSTOMER_QUERY = f"""
query($id: ID!) {{
  customer(id: $id) {{ {CUSTOMER} balance {{ receivable advance draftTotal net }} }}
}}"""
TAX_CODES = """
query($company: ID!) { taxCodes(companyId: $company) { code name rate kind isActive } }"""
CREATE_QUOTATION = f"""
mutation($input: CreateQuotationInput!) {{
  createQuotation(input: $input) {{ document {{ {DOCUMENT} }} {ERRORS} }}
}}"""
CREATE_ORDER = f"""
mutation($input: CreateSalesOrderInput!) {{
  createSalesOrder(input: $input) {{ document {{ {DOCUMENT} }} {ERRORS} }}
}}"""
CREATE_DELIVERY = f"""
mutation($input: CreateDeliveryInput!) {{
  createDelivery(input: $input) {{ document {{ {DOCUMENT} }} {ERRORS} }}
}}"""
CREATE_INVOICE = f"""
mutation($input: CreateInvoiceInput!) {{
  createInvoice(input: $input) {{ invoice {{ {INVOICE} }} {ERRORS} }}
}}"""
POST_INVOICE = f"""
mutation($id: ID!) {{ postInvoice(input: {{id: $id}}) {{ invoice {{ {INVOICE} }} {ERRORS} }} }}"""
VOID_INVOICE = f"""
mutation($id: ID!) {{ voidInvoice(input: {{id: $id}}) {{ invoice {{ {INVOICE} }} {ERRORS} }} }}"""
CREATE_CREDIT_NOTE = f"""
mutation($input: CreateCreditNoteInput!) {{
  createCreditNote(input: $input) {{ invoice {{ {INVOICE} }} {ERRORS} }}
}}"""
CREATE_DEBIT_NOTE = f"""
mutation($input: CreateDebitNoteInput!) {{
  createDebitNote(input: $input) {{ invoice {{ {INVOICE} }} {ERRORS} }}
}}"""
RECEIVE_PAYMENT = f"""
mutation($input: ReceivePaymentInput!) {{
  receivePayment(input: $input) {{ payment {{ {PAYMENT} }} {ERRORS} }}
}}"""
ALLOCATE_PAYMENT = f"""
mutation($input: AllocatePaymentInput!) {{
  allocatePayment(input: $input) {{ payment {{ {PAYMENT} }} {ERRORS} }}
}}"""
REFUND_PAYMENT = f"""
mutation($input: RefundPaymentInput!) {{
  refundPayment(input: $input) {{ payment {{ {PAYMENT} }} {ERRORS} }}
}}"""
INVOICE_QUERY = f"""
query($id: ID!) {{
  invoice(id: $id) {{
    {INVOICE}
    customer {{ id code name }}
    payments {{ paymentNumber amount baseAmount fxDifference }}
    journalEntry {{
      entryNumber status lines {{ account {{ code }} debit credit baseDebit baseCredit }}
    }}
  }}
}}"""
INVOICES = """
query($company: ID!, $filter: InvoiceFilter, $first: Int, $after: String, $sort: InvoiceSort) {
  invoices(companyId: $company, filter: $filter, first: $first, after: $after, sort: $sort) {
    edges { cursor node { id invoiceNumber customerName total status dueDate overdueDays } }
    pageInfo { hasNextPage endCursor }
  }
}"""
INVOICES_NESTED = """
query($company: ID!, $first: Int) {
  invoices(companyId: $company, first: $first) {
    edges { node {
      id invoiceNumber customerName total status dueDate overdueDays
      customer { id code name balance { receivable } }
      lines { lineNumber description quantity unitPrice total }
      payments { paymentNumber amount }
    } }
  }
}"""
AGING = """
query($company: ID!, $asOf: Date) {
  arAging(companyId: $company, asOf: $asOf) {
    asOf currencyCode
    customers { customerCode buckets { current days1To30 days31To60 days61To90 over90 total } }
    totals { current days1To30 days31To60 days61To90 over90 total }
  }
}"""
STATEMENT = """
query($customer: ID!, $from: Date!, $to: Date) {
  customerStatement(customerId: $customer, dateFrom: $from, dateTo: $to) {
    currencyCode openingBalance closingBalance
    lines { date kind number debit credit balance }
    aging { current days1To30 total }
  }
}"""


class Sales:
    """One company's sales through the API (with its books and inventory)."""

    def __init__(self, inventory: Inventory, token: str | None = None) -> None:
        self.inventory = inventory
        self.books = inventory.books
        self.gql: GraphQLClient = inventory.gql
        self.token = token or inventory.token
        self.company_id = inventory.company_id

    @classmethod
    async def open(cls, gql: GraphQLClient, tenant: TenantHandle, **options: Any) -> Sales:
        return cls(Inventory(await Books.open(gql, tenant, **options)))

    def as_user(self, token: str) -> Sales:
        return Sales(self.inventory, token)

    async def call(self, document: str, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        return dict((await self.gql.data(document, variables, self.token))[name])

    async def customer(self, code: str = "C001", **extra: Any) -> dict[str, Any]:
        payload = await self.call(
            CREATE_CUSTOMER,
            "createCustomer",
            {
                "input": {
                    "companyId": self.company_id,
                    "code": code,
                    "name": f"Pelanggan {code}",
                    **extra,
                }
            },
        )
        assert payload["errors"] == [], payload
        return dict(payload["customer"])

    async def invoice(
        self, customer: str, items: list[dict[str, Any]], **extra: Any
    ) -> dict[str, Any]:
        return await self.call(
            CREATE_INVOICE,
            "createInvoice",
            {"input": {"customerId": customer, "items": items, **extra}},
        )

    async def posted_invoice(
        self, customer: str, items: list[dict[str, Any]], **extra: Any
    ) -> dict[str, Any]:
        payload = await self.invoice(customer, items, post=True, **extra)
        assert payload["errors"] == [], payload
        return dict(payload["invoice"])

    async def post(self, invoice_id: str) -> dict[str, Any]:
        return await self.call(POST_INVOICE, "postInvoice", {"id": invoice_id})

    async def pay(
        self,
        customer: str,
        amount: str,
        allocations: list[tuple[str, str]] = (),  # type: ignore[assignment]
        **extra: Any,
    ) -> dict[str, Any]:
        return await self.call(
            RECEIVE_PAYMENT,
            "receivePayment",
            {
                "input": {
                    "customerId": customer,
                    "amount": amount,
                    "bankAccountId": self.books.id("1110"),
                    "allocations": [{"invoiceId": i, "amount": a} for i, a in allocations],
                    **extra,
                }
            },
        )

    async def get_invoice(self, invoice_id: str) -> dict[str, Any] | None:
        data = await self.gql.data(INVOICE_QUERY, {"id": invoice_id}, self.token)
        return data["invoice"]

    async def balances(self, as_of: str = "2026-12-31") -> dict[str, str]:
        """Net debit balance per account code from the trial balance."""
        balance = await self.books.trial_balance(as_of)
        from decimal import Decimal

        return {
            line["account"]["code"]: str(Decimal(line["debit"]) - Decimal(line["credit"]))
            for line in balance["lines"]
        }
