"""GraphQL documents and a small client the purchasing tests share."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.conftest import GraphQLClient, TenantHandle
from tests.inventory.api import Inventory

ERRORS = "errors { code message field }"
BALANCE = "balance { currencyCode payable basePayable advance baseAdvance }"
SUPPLIER = (
    "id companyId code name taxId registrationNumber currencyCode paymentTermsDays creditLimit "
    "isActive version addresses { kind line1 city country } contacts { name email } " + BALANCE
)
ORDER_LINE = (
    "id lineNumber productId description quantity unitPrice amount receivedQuantity "
    "outstandingQuantity"
)
ORDER = (
    f"id companyId supplierId number orderDate warehouseId currencyCode status total "
    f"lines {{ {ORDER_LINE} }}"
)
RECEIPT_LINE = (
    "id lineNumber orderLineId productId warehouseId quantity unitPrice unitCost value "
    "billedQuantity"
)
RECEIPT = (
    f"id supplierId purchaseOrderId number receiptDate currencyCode exchangeRate "
    f"lines {{ {RECEIPT_LINE} }}"
)
BILL_LINE = (
    "id lineNumber receiptLineId productId accountId quantity unitPrice amount taxCode "
    "taxRate taxAmount"
)
BILL = (
    "id companyId supplierId number supplierReference billDate dueDate currencyCode "
    "exchangeRate status subtotal taxTotal total baseTotal amountPaid amountCredited "
    f"outstanding overdueDays journalEntryId lines {{ {BILL_LINE} }}"
)
PAYMENT = (
    "id supplierId number paymentDate currencyCode exchangeRate amount unallocated realizedFx "
    "bankAccountId journalEntryId allocations { billId billNumber amount baseCleared basePaid "
    "realizedFx }"
)

CREATE_SUPPLIER = f"""
mutation($input: CreateSupplierInput!) {{
  createSupplier(input: $input) {{ supplier {{ {SUPPLIER} }} {ERRORS} }}
}}"""
UPDATE_SUPPLIER = f"""
mutation($input: UpdateSupplierInput!) {{
  updateSupplier(input: $input) {{ supplier {{ {SUPPLIER} }} {ERRORS} }}
}}"""
CONFIGURE = f"""
mutation($input: ConfigurePurchasingInput!) {{
  configurePurchasing(input: $input) {{
    settings {{ payableAccountId priceTolerancePercent quantityTolerancePercent }} {ERRORS}
  }}
}}"""
CREATE_ORDER = f"""
mutation($input: CreatePurchaseOrderInput!) {{
  createPurchaseOrder(input: $input) {{ purchaseOrder {{ {ORDER} }} {ERRORS} }}
}}"""
RECEIVE = f"""
mutation($input: ReceiveGoodsInput!) {{
  receiveGoods(input: $input) {{ goodsReceipt {{ {RECEIPT} }} {ERRORS} }}
}}"""
CREATE_BILL = f"""
mutation($input: CreateBillInput!) {{
  createBill(input: $input) {{ bill {{ {BILL} }} {ERRORS} }}
}}"""
POST_BILL = f"""
mutation($input: PostBillInput!) {{ postBill(input: $input) {{ bill {{ {BILL} }} {ERRORS} }} }}"""
PAY = f"""
mutation($input: MakeSupplierPaymentInput!) {{
  makeSupplierPayment(input: $input) {{ payment {{ {PAYMENT} }} {ERRORS} }}
}}"""
CREDIT = f"""
mutation($input: IssueSupplierCreditInput!) {{
  issueSupplierCredit(input: $input) {{
    credit {{ id number billId total lines {{ billLineId quantity amount taxAmount returnStock }} }}
    {ERRORS}
  }}
}}"""
SUPPLIERS = f"""
query($company: ID!, $search: String, $first: Int, $after: String) {{
  suppliers(companyId: $company, search: $search, first: $first, after: $after) {{
    edges {{ cursor node {{ {SUPPLIER} }} }} pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
SUPPLIER_QUERY = f"query($id: ID!) {{ supplier(id: $id) {{ {SUPPLIER} }} }}"
BILL_QUERY = f"""
query($id: ID!) {{
  bill(id: $id) {{
    {BILL} supplierName supplier {{ code name }}
    payments {{ paymentNumber amount realizedFx }}
    journalEntry {{ entryNumber status
      lines {{ debit credit baseDebit baseCredit account {{ code }} }} }}
  }}
}}"""
BILLS = """
query($company: ID!, $filter: BillFilter, $first: Int, $after: String) {
  bills(companyId: $company, filter: $filter, first: $first, after: $after) {
    edges { cursor node {
      id number status total outstanding overdueDays supplierName
      supplier { code } lines { amount } payments { amount }
      journalEntry { entryNumber }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""
ORDERS = """
query($company: ID!, $filter: PurchaseOrderFilter, $first: Int) {
  purchaseOrders(companyId: $company, filter: $filter, first: $first) {
    edges { node { id number status total supplier { code } lines { quantity }
      receipts { number } } }
    pageInfo { hasNextPage }
  }
}"""
ORDER_QUERY = f"query($id: ID!) {{ purchaseOrder(id: $id) {{ {ORDER} }} }}"
RECEIPTS = """
query($company: ID!, $first: Int) {
  goodsReceipts(companyId: $company, first: $first) {
    edges { node { id number supplier { code } lines { quantity value } } }
  }
}"""
PAYMENTS = f"""
query($company: ID!, $filter: SupplierPaymentFilter) {{
  supplierPayments(companyId: $company, filter: $filter, first: 10) {{
    edges {{ node {{ {PAYMENT} supplier {{ code }} journalEntry {{ entryNumber }} }} }}
  }}
}}"""
AGING = """
query($company: ID!, $asOf: Date) {
  apAging(companyId: $company, asOf: $asOf) {
    asOf currencyCode
    totals { current days1To30 days31To60 days61To90 over90 total }
    suppliers { supplierCode currencyCode
      buckets { current days1To30 days31To60 days61To90 over90 total }
      baseBuckets { total } }
  }
}"""
STATEMENT = """
query($supplier: ID!, $from: Date!, $to: Date!) {
  supplierStatement(supplierId: $supplier, dateFrom: $from, dateTo: $to) {
    currencyCode openingBalance closingBalance
    lines { date kind number amount balance }
  }
}"""


class Purchasing:
    """One company's purchasing through the API, for one signed-in user."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.books = inventory.books
        self.gql, self.token, self.company_id = inventory.gql, inventory.token, inventory.company_id

    @classmethod
    async def open(cls, gql: GraphQLClient, tenant: TenantHandle, **options: Any) -> Purchasing:
        return cls(await Inventory.open(gql, tenant, **options))

    async def call(
        self, document: str, name: str, variables: dict[str, Any], token: str | None = None
    ) -> dict[str, Any]:
        return dict((await self.gql.data(document, variables, token or self.token))[name])

    async def ok(self, document: str, name: str, variables: dict[str, Any], key: str) -> Any:
        payload = await self.call(document, name, variables)
        assert payload["errors"] == [], payload
        return payload[key]

    async def supplier(self, code: str = "ACME", **extra: Any) -> dict[str, Any]:
        values = {"companyId": self.company_id, "code": code, "name": f"{code} Trading", **extra}
        return dict(await self.ok(CREATE_SUPPLIER, "createSupplier", {"input": values}, "supplier"))

    async def order(
        self, supplier: str, warehouse: str, lines: list[tuple[str, str, str]], **extra: Any
    ) -> dict[str, Any]:
        """`lines`: (product id, quantity, unit price)."""
        values = {
            "companyId": self.company_id,
            "supplierId": supplier,
            "warehouseId": warehouse,
            "orderDate": extra.pop("orderDate", "2026-03-01"),
            "lines": [{"productId": p, "quantity": q, "unitPrice": u} for p, q, u in lines],
            **extra,
        }
        return dict(
            await self.ok(CREATE_ORDER, "createPurchaseOrder", {"input": values}, "purchaseOrder")
        )

    async def receive(
        self, order: dict[str, Any], quantities: list[str], date: str = "2026-03-05", **extra: Any
    ) -> dict[str, Any]:
        values = {
            "purchaseOrderId": order["id"],
            "receiptDate": date,
            "lines": [
                {"orderLineId": line["id"], "quantity": q}
                for line, q in zip(order["lines"], quantities, strict=True)
                if q != "0"
            ],
            **extra,
        }
        return dict(await self.ok(RECEIVE, "receiveGoods", {"input": values}, "goodsReceipt"))

    def bill_input(
        self, supplier: str, lines: list[dict[str, Any]], date: str = "2026-03-10", **extra: Any
    ) -> dict[str, Any]:
        return {
            "input": {
                "companyId": self.company_id,
                "supplierId": supplier,
                "billDate": date,
                "lines": lines,
                **extra,
            }
        }

    async def bill(
        self, supplier: str, lines: list[dict[str, Any]], **extra: Any
    ) -> dict[str, Any]:
        return dict(
            await self.ok(
                CREATE_BILL, "createBill", self.bill_input(supplier, lines, **extra), "bill"
            )
        )

    async def pay(
        self,
        supplier: str,
        amount: str,
        allocations: list[tuple[str, str]],
        date: str = "2026-03-20",
        **extra: Any,
    ) -> dict[str, Any]:
        payload = await self.call(
            PAY,
            "makeSupplierPayment",
            {
                "input": {
                    "companyId": self.company_id,
                    "supplierId": supplier,
                    "paymentDate": date,
                    "amount": amount,
                    "allocations": [{"billId": b, "amount": a} for b, a in allocations],
                    **extra,
                }
            },
        )
        return payload

    async def balances(self, as_of: str = "2026-12-31") -> dict[str, str]:
        """Net balance per account code from the trial balance (debit positive)."""
        trial = await self.books.trial_balance(as_of)
        return {
            line["account"]["code"]: format(
                Decimal(line["debit"]) - Decimal(line["credit"]) + 0, ".4f"
            )
            for line in trial["lines"]
        }
