"""Other tenants and other companies see nothing of a company's purchasing and cannot touch
it; a company's documents never reach into another company's suppliers, products, receipts
or bills."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.identity.builtin_roles import PURCHASING
from tests.accounting.api import count, invite
from tests.conftest import GraphQLClient, TenantHandle
from tests.purchasing.api import (
    AGING,
    BILL_QUERY,
    BILLS,
    CREATE_BILL,
    CREATE_ORDER,
    ORDER_QUERY,
    ORDERS,
    PAYMENTS,
    POST_BILL,
    RECEIVE,
    STATEMENT,
    SUPPLIER_QUERY,
    SUPPLIERS,
    Purchasing,
)


def only_error(payload: dict[str, Any]) -> tuple[str, str | None]:
    assert len(payload["errors"]) == 1, payload
    return payload["errors"][0]["code"], payload["errors"][0]["field"]


async def test_other_tenants_and_companies_see_and_touch_nothing(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle, engine: AsyncEngine
) -> None:
    p = await Purchasing.open(gql, tenant)
    widget = await p.inventory.product("WIDGET")
    store = await p.inventory.warehouse("MAIN")
    acme = await p.supplier("ACME")
    order = await p.order(acme["id"], store["id"], [(widget["id"], "5", "2.00")])
    receipt = await p.receive(order, ["5"])
    bill = await p.bill(
        acme["id"],
        [{"receiptLineId": receipt["lines"][0]["id"], "quantity": "5", "unitPrice": "2"}],
        post=True,
    )
    paid = await p.pay(acme["id"], "4", [(bill["id"], "4")])
    assert paid["errors"] == []
    theirs = await Purchasing.open(gql, other_tenant)

    second = await Purchasing.open(gql, tenant)  # another company of the same tenant
    clerk = await invite(
        gql, tenant, companies=(second.company_id,), company_roles=(str(PURCHASING.id),)
    )
    for token in (other_tenant.token, clerk):
        company = {"company": p.company_id}
        assert (await gql.data(SUPPLIER_QUERY, {"id": acme["id"]}, token))["supplier"] is None
        assert (await gql.data(BILL_QUERY, {"id": bill["id"]}, token))["bill"] is None
        assert (await gql.data(ORDER_QUERY, {"id": order["id"]}, token))["purchaseOrder"] is None
        assert (await gql.data(SUPPLIERS, company, token))["suppliers"]["edges"] == []
        assert (await gql.data(BILLS, company, token))["bills"]["edges"] == []
        assert (await gql.data(ORDERS, company, token))["purchaseOrders"]["edges"] == []
        aging = (await gql.data(AGING, {**company, "asOf": "2026-12-31"}, token))["apAging"]
        assert aging is None
        statement = await gql.data(
            STATEMENT, {"supplier": acme["id"], "from": "2026-01-01", "to": "2026-12-31"}, token
        )
        assert statement["supplierStatement"] is None
        posted = (await gql.data(POST_BILL, {"input": {"id": bill["id"]}}, token))["postBill"]
        assert only_error(posted) == ("NOT_FOUND", "id")
        received = await p.call(
            RECEIVE,
            "receiveGoods",
            {
                "input": {
                    "purchaseOrderId": order["id"],
                    "receiptDate": "2026-03-06",
                    "lines": [{"orderLineId": order["lines"][0]["id"], "quantity": "1"}],
                }
            },
            token,
        )
        assert only_error(received) == ("NOT_FOUND", "purchaseOrderId")
        ordered = await p.call(
            CREATE_ORDER,
            "createPurchaseOrder",
            {
                "input": {
                    "companyId": p.company_id,
                    "supplierId": acme["id"],
                    "warehouseId": store["id"],
                    "orderDate": "2026-03-01",
                    "lines": [{"productId": widget["id"], "quantity": "1", "unitPrice": "1"}],
                }
            },
            token,
        )
        assert only_error(ordered)[0] == "NOT_FOUND"
    # The admin of the other tenant sees their own (empty) payments list, not ours.
    listed = await gql.data(PAYMENTS, {"company": p.company_id}, other_tenant.token)
    assert listed["supplierPayments"]["edges"] == []

    # In their own company the clerk works, but never with the first company's records.
    own_store = await second.inventory.warehouse("S2")
    own_supplier = await second.supplier("LOCAL")
    mixed_order = await second.call(
        CREATE_ORDER,
        "createPurchaseOrder",
        {
            "input": {
                "companyId": second.company_id,
                "supplierId": acme["id"],
                "warehouseId": own_store["id"],
                "orderDate": "2026-03-01",
                "lines": [{"productId": widget["id"], "quantity": "1", "unitPrice": "1"}],
            }
        },
        clerk,
    )
    assert only_error(mixed_order) == ("NOT_FOUND", "supplierId")
    foreign_product = await second.call(
        CREATE_ORDER,
        "createPurchaseOrder",
        {
            "input": {
                "companyId": second.company_id,
                "supplierId": own_supplier["id"],
                "warehouseId": own_store["id"],
                "orderDate": "2026-03-01",
                "lines": [{"productId": widget["id"], "quantity": "1", "unitPrice": "1"}],
            }
        },
        clerk,
    )
    assert only_error(foreign_product) == ("NOT_FOUND", "lines.0.productId")
    foreign_receipt = await second.call(
        CREATE_BILL,
        "createBill",
        second.bill_input(
            own_supplier["id"],
            [{"receiptLineId": receipt["lines"][0]["id"], "quantity": "1", "unitPrice": "2"}],
        ),
        clerk,
    )
    assert only_error(foreign_receipt) == ("NOT_FOUND", "lines.0.receiptLineId")
    own_bill = await second.call(
        CREATE_BILL,
        "createBill",
        second.bill_input(
            own_supplier["id"],
            [{"accountId": second.books.id("6700"), "quantity": "1", "unitPrice": "2"}],
        ),
        clerk,
    )
    assert own_bill["errors"] == []
    foreign_bill = await second.pay(own_supplier["id"], "1", [(bill["id"], "1")])
    assert only_error(foreign_bill) == ("NOT_FOUND", "allocations.0.billId")
    # Nothing of ours reached the other tenant.
    assert await count(engine, other_tenant.schema, "bills") == 0
    assert theirs.company_id != p.company_id
