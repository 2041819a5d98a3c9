"""GraphQL documents and a small client the inventory API tests share."""

from __future__ import annotations

from typing import Any

from tests.accounting.api import Books
from tests.conftest import GraphQLClient, TenantHandle

ERRORS = "errors { code message field }"
PRODUCT = (
    "id companyId sku name description categoryId unitOfMeasure barcode isStocked costMethod "
    "sellingPrice reorderPoint reorderQuantity leadTimeDays allowNegativeStock isActive version"
)
LEVEL = "productId warehouseId onHand reserved available incoming value unitCost"

CREATE_PRODUCT = f"""
mutation($input: CreateProductInput!) {{
  createProduct(input: $input) {{ product {{ {PRODUCT} }} {ERRORS} }}
}}"""
UPDATE_PRODUCT = f"""
mutation($input: UpdateProductInput!) {{
  updateProduct(input: $input) {{ product {{ {PRODUCT} }} {ERRORS} }}
}}"""
CREATE_CATEGORY = f"""
mutation($input: CreateProductCategoryInput!) {{
  createProductCategory(input: $input) {{ category {{ id name inventoryAccountId }} {ERRORS} }}
}}"""
CREATE_WAREHOUSE = f"""
mutation($input: CreateWarehouseInput!) {{
  createWarehouse(input: $input) {{
    warehouse {{ id companyId code name locations {{ id code name }} }} {ERRORS}
  }}
}}"""
UPDATE_WAREHOUSE = f"""
mutation($input: UpdateWarehouseInput!) {{
  updateWarehouse(input: $input) {{ warehouse {{ id name isActive version }} {ERRORS} }}
}}"""
STOCK_PAYLOAD = (
    f"levels {{ {LEVEL} }} movementIds "
    "transfer { id status quantity value shippedOn receivedOn } " + ERRORS
)
ADJUST = f"""
mutation($input: AdjustStockInput!) {{ adjustStock(input: $input) {{ {STOCK_PAYLOAD} }} }}"""
TRANSFER = f"""
mutation($input: TransferStockInput!) {{ transferStock(input: $input) {{ {STOCK_PAYLOAD} }} }}"""
RECEIVE = f"""
mutation($input: ReceiveTransferInput!) {{
  receiveTransfer(input: $input) {{ {STOCK_PAYLOAD} }}
}}"""
PRODUCTS = f"""
query($company: ID!, $search: String, $first: Int, $after: String) {{
  products(companyId: $company, search: $search, first: $first, after: $after) {{
    edges {{ cursor node {{ {PRODUCT} }} }} pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
PRODUCT_QUERY = f"query($id: ID!) {{ product(id: $id) {{ {PRODUCT} }} }}"
WAREHOUSES = "query($company: ID!) { warehouses(companyId: $company) { id code name } }"
STOCK_LEVELS = f"""
query($company: ID!, $filter: StockLevelFilter, $first: Int, $after: String) {{
  stockLevels(companyId: $company, filter: $filter, first: $first, after: $after) {{
    edges {{ cursor node {{ {LEVEL} product {{ sku name }} warehouse {{ code name }} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
MOVEMENTS = """
query($company: ID!, $filter: StockMovementFilter, $first: Int, $after: String) {
  stockMovements(companyId: $company, filter: $filter, first: $first, after: $after) {
    edges { cursor node { id productId warehouseId type occurredOn quantity value reason
      referenceType transferId journalEntryId } }
    pageInfo { hasNextPage endCursor }
  }
}"""
VALUATION = """
query($company: ID!, $asOf: Date) {
  stockValuation(companyId: $company, asOf: $asOf) {
    asOf totalValue inTransitValue
    lines { productId warehouseId quantity value product { sku } }
    warehouses { warehouseId quantity value }
    products { productId quantity value }
  }
}"""
REORDER = """
query($company: ID!, $windowDays: Int, $safetyDays: Int, $asOf: Date) {
  reorderSuggestions(companyId: $company, windowDays: $windowDays, safetyDays: $safetyDays,
                     asOf: $asOf) {
    productId onHand available incoming reorderPoint averageDailyUsage leadTimeDays
    safetyStock suggestedQuantity product { sku }
  }
}"""
STOCK_LEVEL_CHANGED = f"""
subscription($productId: ID!, $warehouseId: ID) {{
  stockLevelChanged(productId: $productId, warehouseId: $warehouseId) {{ {LEVEL} }}
}}"""


class Inventory:
    """One company's inventory through the API, for one signed-in user."""

    def __init__(self, books: Books, token: str | None = None) -> None:
        self.books, self.gql = books, books.gql
        self.token = token or books.token
        self.company_id = books.company_id

    @classmethod
    async def open(cls, gql: GraphQLClient, tenant: TenantHandle, **options: Any) -> Inventory:
        return cls(await Books.open(gql, tenant, **options))

    async def call(self, document: str, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        return dict((await self.gql.data(document, variables, self.token))[name])

    async def product(self, sku: str, **extra: Any) -> dict[str, Any]:
        payload = await self.call(
            CREATE_PRODUCT,
            "createProduct",
            {"input": {"companyId": self.company_id, "sku": sku, "name": f"Item {sku}", **extra}},
        )
        assert payload["errors"] == [], payload
        return dict(payload["product"])

    async def warehouse(self, code: str, **extra: Any) -> dict[str, Any]:
        payload = await self.call(
            CREATE_WAREHOUSE,
            "createWarehouse",
            {
                "input": {
                    "companyId": self.company_id,
                    "code": code,
                    "name": f"Store {code}",
                    **extra,
                }
            },
        )
        assert payload["errors"] == [], payload
        return dict(payload["warehouse"])

    async def adjust(self, product: str, warehouse: str, **fields: Any) -> dict[str, Any]:
        fields.setdefault("reason", "count")
        return await self.call(
            ADJUST,
            "adjustStock",
            {
                "input": {
                    "companyId": self.company_id,
                    "productId": product,
                    "warehouseId": warehouse,
                    **fields,
                }
            },
        )

    async def transfer(
        self, product: str, source: str, target: str, **fields: Any
    ) -> dict[str, Any]:
        fields.setdefault("reason", "rebalance")
        return await self.call(
            TRANSFER,
            "transferStock",
            {
                "input": {
                    "companyId": self.company_id,
                    "productId": product,
                    "fromWarehouseId": source,
                    "toWarehouseId": target,
                    **fields,
                }
            },
        )

    async def levels(self, **variables: Any) -> dict[str, Any]:
        return await self.call(
            STOCK_LEVELS, "stockLevels", {"company": self.company_id, **variables}
        )

    async def valuation(self, as_of: str | None = None) -> dict[str, Any]:
        return await self.call(
            VALUATION, "stockValuation", {"company": self.company_id, "asOf": as_of}
        )

    async def inventory_balance(self, as_of: str = "2026-12-31") -> str:
        """The inventory account's (1300) debit balance in the trial balance."""
        balance = await self.books.trial_balance(as_of)
        for line in balance["lines"]:
            if line["account"]["code"] == "1300":
                return str(line["debit"] if line["debit"] != "0.0000" else "-" + line["credit"])
        return "0.0000"
