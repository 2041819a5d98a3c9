"""Inventory through the GraphQL API as a warehouse team and an accountant would use it:
products and warehouses, adjustments and transfers, stock levels, valuation that matches the
books, reorder suggestions, typed errors, and tenants/companies that see nothing of others."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.identity.builtin_roles import SALES, WAREHOUSE
from domain.inventory.stock import IssueLine, change_commitments_within, issue_within
from tests.accounting.api import Books, count, invite
from tests.conftest import GraphQLClient, LiveServer, StatementLog, TenantHandle
from tests.inventory.api import (
    ADJUST,
    CREATE_CATEGORY,
    MOVEMENTS,
    PRODUCT_QUERY,
    PRODUCTS,
    RECEIVE,
    REORDER,
    UPDATE_PRODUCT,
    UPDATE_WAREHOUSE,
    VALUATION,
    WAREHOUSES,
    Inventory,
)
from tests.inventory.support import Stockroom


def fields(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def test_products_are_created_searched_and_updated(
    gql: GraphQLClient, engine: AsyncEngine, tenant: TenantHandle
) -> None:
    inv = await Inventory.open(gql, tenant)
    bolt = await inv.product(
        "BLT-10",
        name="Hex bolt M10",
        barcode="9555012345678",
        costMethod="MOVING_AVERAGE",
        sellingPrice="1.2500",
        reorderPoint="50",
        reorderQuantity="200",
        leadTimeDays=5,
        unitOfMeasure="pcs",
    )
    await inv.product("NUT-10", name="Hex nut M10")
    service = await inv.product("SVC-INSTALL", name="Installation", isStocked=False)
    assert bolt["costMethod"] == "MOVING_AVERAGE" and bolt["sellingPrice"] == "1.2500"
    assert bolt["reorderPoint"] == "50.0000" and service["isStocked"] is False
    assert await count(engine, tenant.schema, "outbox", "event_type = 'ProductCreated'") == 3

    duplicate = await inv.call(
        UPDATE_PRODUCT.replace("updateProduct", "createProduct").replace(
            "UpdateProductInput", "CreateProductInput"
        ),
        "createProduct",
        {"input": {"companyId": inv.company_id, "sku": "BLT-10", "name": "again"}},
    )
    assert fields(duplicate) == [("DUPLICATE", "sku")]

    async def search(term: str) -> list[str]:
        found = await inv.call(PRODUCTS, "products", {"company": inv.company_id, "search": term})
        return [e["node"]["sku"] for e in found["edges"]]

    assert await search("blt") == ["BLT-10"]
    assert await search("hex") == ["BLT-10", "NUT-10"]
    assert await search("95550123") == ["BLT-10"]
    assert await search("%") == []  # a literal percent sign, not a wildcard
    first_page = await inv.call(PRODUCTS, "products", {"company": inv.company_id, "first": 2})
    assert [e["node"]["sku"] for e in first_page["edges"]] == ["BLT-10", "NUT-10"]
    assert first_page["pageInfo"]["hasNextPage"] is True
    rest = await inv.call(
        PRODUCTS,
        "products",
        {"company": inv.company_id, "after": first_page["pageInfo"]["endCursor"]},
    )
    assert [e["node"]["sku"] for e in rest["edges"]] == ["SVC-INSTALL"]

    updated = await inv.call(
        UPDATE_PRODUCT,
        "updateProduct",
        {"input": {"id": bolt["id"], "version": 1, "name": "Hex bolt M10 zinc", "barcode": None}},
    )
    assert updated["errors"] == [] and updated["product"]["version"] == 2
    assert updated["product"]["barcode"] is None
    stale = await inv.call(
        UPDATE_PRODUCT, "updateProduct", {"input": {"id": bolt["id"], "version": 1, "name": "x"}}
    )
    assert fields(stale) == [("CONFLICT", "version")]
    read = (await gql.data(PRODUCT_QUERY, {"id": bolt["id"]}, tenant.token))["product"]
    assert read["name"] == "Hex bolt M10 zinc"


async def test_adjustments_by_delta_and_by_count_move_stock_and_book_the_difference(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    inv = await Inventory.open(gql, tenant)
    product = await inv.product("P-1")
    store = await inv.warehouse("KL", locations=[{"code": "A-01"}, {"code": "A-02"}])
    assert [loc["code"] for loc in store["locations"]] == ["A-01", "A-02"]

    added = await inv.adjust(
        product["id"], store["id"], delta="10", unitCost="2.50", occurredOn="2026-03-01"
    )
    assert added["errors"] == [], added
    assert added["levels"][0]["onHand"] == "10.0000" and added["levels"][0]["value"] == "25.0000"
    counted = await inv.adjust(
        product["id"],
        store["id"],
        countedQuantity="7",
        reason="cycle count",
        occurredOn="2026-03-02",
    )
    assert counted["errors"] == [], counted
    level = counted["levels"][0]
    assert (level["onHand"], level["value"], level["unitCost"]) == ("7.0000", "17.5000", "2.5000")

    valuation = await inv.valuation("2026-12-31")
    assert valuation["totalValue"] == "17.5000" == await inv.inventory_balance()
    movements = await inv.call(MOVEMENTS, "stockMovements", {"company": inv.company_id})
    assert [
        (e["node"]["type"], e["node"]["quantity"], e["node"]["value"]) for e in movements["edges"]
    ] == [
        ("ADJUSTMENT", "10.0000", "25.0000"),
        ("ADJUSTMENT", "-3.0000", "-7.5000"),
    ]
    assert all(e["node"]["journalEntryId"] for e in movements["edges"])
    # once stock has moved, the cost method and stocked/service are fixed
    fixed = await inv.call(
        UPDATE_PRODUCT,
        "updateProduct",
        {
            "input": {
                "id": product["id"],
                "version": product["version"],
                "costMethod": "MOVING_AVERAGE",
                "isStocked": False,
            }
        },
    )
    assert fields(fixed) == [("INVALID", "costMethod"), ("INVALID", "isStocked")]


async def test_bad_input_is_refused_with_typed_errors_and_nothing_written(
    gql: GraphQLClient, engine: AsyncEngine, tenant: TenantHandle
) -> None:
    inv = await Inventory.open(gql, tenant)
    other = Inventory(await Books.open(gql, tenant))  # another company, same tenant
    product = await inv.product("P-1")
    service = await inv.product("S-1", isStocked=False)
    store = await inv.warehouse("KL")
    second = await inv.warehouse("PG")
    foreign_store = await other.warehouse("JB")
    foreign_product = await other.product("F-1")
    before = await count(engine, tenant.schema, "stock_movements")

    cases: list[tuple[dict[str, Any], list[tuple[str, str | None]]]] = [
        ({"productId": str(uuid.uuid4()), "warehouseId": store["id"], "delta": "1"},
         [("NOT_FOUND", "productId")]),
        ({"productId": foreign_product["id"], "warehouseId": store["id"], "delta": "1"},
         [("NOT_FOUND", "productId")]),
        ({"productId": product["id"], "warehouseId": foreign_store["id"], "delta": "1"},
         [("NOT_FOUND", "warehouseId")]),
        ({"productId": product["id"], "warehouseId": store["id"], "delta": "0"},
         [("INVALID", "delta")]),
        ({"productId": product["id"], "warehouseId": store["id"], "delta": "1.00001"},
         [("INVALID", "delta")]),
        ({"productId": product["id"], "warehouseId": store["id"], "delta": "-1"},
         [("INVALID", "quantity")]),
        ({"productId": product["id"], "warehouseId": store["id"], "delta": "1",
          "countedQuantity": "3"}, [("REQUIRED", "delta")]),
        ({"productId": service["id"], "warehouseId": store["id"], "delta": "1"},
         [("INVALID", "productId")]),
        ({"productId": product["id"], "warehouseId": store["id"], "delta": "1",
          "locationId": str(uuid.uuid4())}, [("NOT_FOUND", "locationId")]),
        ({"productId": product["id"], "warehouseId": store["id"], "delta": "1", "reason": " "},
         [("REQUIRED", "reason")]),
        ({"productId": product["id"], "warehouseId": store["id"], "delta": "1",
          "unitCost": "1", "occurredOn": "2025-06-01"}, [("PERIOD_CLOSED", "occurredOn")]),
    ]  # fmt: skip
    for variables, expected in cases:
        payload = await inv.call(
            ADJUST,
            "adjustStock",
            {"input": {"companyId": inv.company_id, "reason": "count", **variables}},
        )
        assert fields(payload) == expected, (variables, payload)
        assert payload["levels"] == []

    same = await inv.transfer(product["id"], store["id"], store["id"], quantity="1")
    assert fields(same) == [("INVALID", "toWarehouseId")]
    short = await inv.transfer(product["id"], store["id"], second["id"], quantity="1")
    assert fields(short) == [("INVALID", "quantity")]
    foreign = await inv.transfer(product["id"], store["id"], foreign_store["id"], quantity="1")
    assert fields(foreign) == [("NOT_FOUND", "toWarehouseId")]
    assert await count(engine, tenant.schema, "stock_movements") == before
    assert await count(engine, tenant.schema, "stock_transfers") == 0


async def test_negative_stock_only_where_the_product_allows_it(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    inv = await Inventory.open(gql, tenant)
    strict = await inv.product("STRICT")
    lenient = await inv.product("LENIENT", allowNegativeStock=True)
    store = await inv.warehouse("KL")
    for product in (strict, lenient):
        await inv.adjust(product["id"], store["id"], delta="2", unitCost="4")
    refused = await inv.adjust(strict["id"], store["id"], delta="-3")
    assert fields(refused) == [("INVALID", "quantity")]
    allowed = await inv.adjust(lenient["id"], store["id"], delta="-3")
    assert allowed["errors"] == [] and allowed["levels"][0]["onHand"] == "-1.0000"
    assert allowed["levels"][0]["value"] == "-4.0000"  # the missing unit at the last cost
    back = await inv.adjust(lenient["id"], store["id"], delta="5", unitCost="5")
    assert back["levels"][0]["onHand"] == "4.0000" and back["levels"][0]["value"] == "20.0000"
    assert (await inv.valuation())["totalValue"] == await inv.inventory_balance()


async def test_transfers_move_both_legs_at_once_or_through_transit(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    inv = await Inventory.open(gql, tenant)
    product = await inv.product("P-1", costMethod="MOVING_AVERAGE")
    kl, pg = await inv.warehouse("KL"), await inv.warehouse("PG")
    await inv.adjust(product["id"], kl["id"], delta="10", unitCost="3", occurredOn="2026-04-01")

    moved = await inv.transfer(
        product["id"], kl["id"], pg["id"], quantity="4", occurredOn="2026-04-02"
    )
    assert moved["errors"] == [], moved
    assert [(lv["warehouseId"], lv["onHand"], lv["value"]) for lv in moved["levels"]] == [
        (kl["id"], "6.0000", "18.0000"),
        (pg["id"], "4.0000", "12.0000"),
    ]
    assert moved["transfer"]["status"] == "RECEIVED"

    shipped = await inv.transfer(
        product["id"], kl["id"], pg["id"], quantity="1", inTransit=True, occurredOn="2026-04-03"
    )
    assert (
        shipped["transfer"]["status"] == "IN_TRANSIT" and shipped["transfer"]["value"] == "3.0000"
    )
    assert [lv["onHand"] for lv in shipped["levels"]] == ["5.0000"]
    during = await inv.valuation("2026-04-04")
    assert (during["inTransitValue"], during["totalValue"]) == ("3.0000", "30.0000")
    assert during["totalValue"] == await inv.inventory_balance("2026-04-04")
    received = await inv.call(
        RECEIVE,
        "receiveTransfer",
        {"input": {"id": shipped["transfer"]["id"], "occurredOn": "2026-04-05"}},
    )
    assert received["errors"] == [] and received["levels"][0]["onHand"] == "5.0000"
    again = await inv.call(RECEIVE, "receiveTransfer", {"input": {"id": shipped["transfer"]["id"]}})
    assert fields(again) == [("INVALID_STATE", "id")]
    after = await inv.valuation("2026-04-05")
    assert (after["inTransitValue"], after["totalValue"]) == ("0.0000", "30.0000")
    assert {w["warehouseId"]: w["quantity"] for w in after["warehouses"]} == {
        kl["id"]: "5.0000",
        pg["id"]: "5.0000",
    }
    assert after["products"] == [
        {"productId": product["id"], "quantity": "10.0000", "value": "30.0000"}
    ]


async def test_stock_levels_filter_and_cost_the_same_statements_whatever_the_page_size(
    gql: GraphQLClient, tenant: TenantHandle, sql_log: StatementLog
) -> None:
    inv = await Inventory.open(gql, tenant)
    kl, pg = await inv.warehouse("KL"), await inv.warehouse("PG")
    products = [await inv.product(f"P-{i:02d}", reorderPoint="5") for i in range(6)]
    for i, product in enumerate(products):
        await inv.adjust(product["id"], kl["id"], delta=str(i + 3), unitCost="1")
        await inv.adjust(product["id"], pg["id"], delta="1", unitCost="1")

    counts = {}
    for first in (2, 12):
        sql_log.statements.clear()
        page = await inv.levels(first=first)
        assert len(page["edges"]) == first
        assert all(
            e["node"]["product"]["sku"] and e["node"]["warehouse"]["code"] for e in page["edges"]
        )
        counts[first] = len(sql_log.touching(tenant.schema))
    # the levels, their products, their warehouses: three statements for 2 rows as for 12
    assert counts == {2: 3, 12: 3}, sql_log.touching(tenant.schema)
    sql_log.statements.clear()
    bare = await gql.data(
        "query($company: ID!) { stockLevels(companyId: $company, first: 12) "
        "{ edges { node { onHand value } } } }",
        {"company": inv.company_id},
        tenant.token,
    )
    assert len(bare["stockLevels"]["edges"]) == 12
    assert len(sql_log.touching(tenant.schema)) == 1  # nothing nested, nothing loaded

    only_kl = await inv.levels(filter={"warehouseId": kl["id"]}, first=100)
    assert {e["node"]["warehouse"]["code"] for e in only_kl["edges"]} == {"KL"}
    one = await inv.levels(filter={"productId": products[0]["id"]})
    assert len(one["edges"]) == 2
    low = await inv.levels(filter={"belowReorder": True}, first=100)
    # totals: P-00 4, P-01 5 (at the point), P-02 6 ...
    assert {e["node"]["product"]["sku"] for e in low["edges"]} == {"P-00", "P-01"}
    page = await inv.levels(first=5)
    rest = await inv.levels(first=100, after=page["pageInfo"]["endCursor"])
    assert len(page["edges"]) + len(rest["edges"]) == 12


async def test_reorder_suggestions_round_up_to_the_reorder_quantity(
    gql: GraphQLClient, live_server: LiveServer, tenant: TenantHandle
) -> None:
    inv = await Inventory.open(gql, tenant)
    room = Stockroom(live_server, tenant, inv.company_id)
    store = await inv.warehouse("KL")
    fast = await inv.product("FAST", reorderPoint="20", reorderQuantity="50", leadTimeDays=10)
    plenty = await inv.product("PLENTY", reorderPoint="5", reorderQuantity="10")
    await inv.product("IDLE")  # no reorder point, no demand: never suggested
    for product in (fast, plenty):
        await inv.adjust(
            product["id"], store["id"], delta="100", unitCost="1", occurredOn="2026-03-01"
        )

    async def ask(**variables: Any) -> list[dict[str, Any]]:
        return list(
            (
                await gql.data(
                    REORDER,
                    {"company": inv.company_id, "asOf": "2026-03-31", **variables},
                    inv.token,
                )
            )["reorderSuggestions"]
        )

    assert await ask() == []  # 100 on hand each: nothing to order
    # 90 of FAST issued (sales) over March; adjustments are not demand
    for day in (5, 15, 25):
        await room.within(
            lambda uow, origin, day=day: issue_within(
                uow,
                origin,
                company_id=room.company_id,
                occurred_on=date(2026, 3, day),
                reason="sale",
                reference_type="SalesInvoice",
                reference_id=uuid.uuid4(),
                lines=[IssueLine(uuid.UUID(fast["id"]), uuid.UUID(store["id"]), Decimal("30"))],
            )
        )
    await inv.adjust(plenty["id"], store["id"], delta="-95", occurredOn="2026-03-20")
    suggestions = {s["product"]["sku"]: s for s in await ask()}
    assert set(suggestions) == {"FAST", "PLENTY"}
    fast_row = suggestions["FAST"]
    # 3/day x 10 days + 7 days x 3 safety = 51, less the 10 on hand = 41 -> one lot of 50
    assert (fast_row["averageDailyUsage"], fast_row["safetyStock"]) == ("3.0000", "21.0000")
    assert (fast_row["onHand"], fast_row["suggestedQuantity"]) == ("10.0000", "50.0000")
    # no demand: back to the reorder point (5 - 5 = 0) -> at least one lot
    assert suggestions["PLENTY"]["suggestedQuantity"] == "10.0000"
    # a longer safety stock needs two lots: 30 + 3 x 20 - 10 = 80 -> 100
    longer = {s["product"]["sku"]: s for s in await ask(safetyDays=20)}
    assert longer["FAST"]["suggestedQuantity"] == "100.0000"
    # an expected purchase counts toward the position
    await room.within(
        lambda uow, origin: change_commitments_within(
            uow,
            company_id=room.company_id,
            product_id=uuid.UUID(fast["id"]),
            warehouse_id=uuid.UUID(store["id"]),
            incoming_delta=Decimal("50"),
        )
    )
    assert {s["product"]["sku"] for s in await ask()} == {"PLENTY"}


async def test_other_tenants_and_companies_see_nothing(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    inv = await Inventory.open(gql, tenant)
    product = await inv.product("P-1")
    store = await inv.warehouse("KL")
    await inv.adjust(product["id"], store["id"], delta="3", unitCost="1")
    stranger = Inventory(await Books.open(gql, other_tenant))
    for who in (stranger,):
        variables = {"company": inv.company_id}
        assert (await gql.data(PRODUCTS, variables, who.token))["products"]["edges"] == []
        assert (await gql.data(PRODUCT_QUERY, {"id": product["id"]}, who.token))["product"] is None
        assert (await gql.data(WAREHOUSES, variables, who.token))["warehouses"] == []
        seen = (await gql.data(VALUATION, variables, who.token))["stockValuation"]
        assert seen is None or (seen["lines"], seen["totalValue"]) == ([], "0.0000")
        levels = await gql.data(
            "query($company: ID!) { stockLevels(companyId: $company) { edges { cursor } } }",
            variables,
            who.token,
        )
        assert levels["stockLevels"]["edges"] == []
        refused = await who.call(
            ADJUST,
            "adjustStock",
            {
                "input": {
                    "companyId": inv.company_id,
                    "productId": product["id"],
                    "warehouseId": store["id"],
                    "delta": "1",
                    "reason": "x",
                }
            },
        )
        # nothing of the other tenant exists here: not found, whichever id is looked at first
        assert {code for code, _ in fields(refused)} == {"NOT_FOUND"}
        renamed = await who.call(
            UPDATE_PRODUCT,
            "updateProduct",
            {"input": {"id": product["id"], "version": 1, "name": "mine now"}},
        )
        assert fields(renamed) == [("NOT_FOUND", "id")]

    # a warehouse clerk of another company of the same tenant
    second = await Books.open(gql, tenant)
    clerk = await invite(
        gql, tenant, companies=(second.company_id,), company_roles=(str(WAREHOUSE.id),)
    )
    assert (await gql.data(PRODUCTS, {"company": inv.company_id}, clerk))["products"]["edges"] == []
    assert (await gql.data(PRODUCT_QUERY, {"id": product["id"]}, clerk))["product"] is None
    clerk_update = (
        await gql.data(
            UPDATE_PRODUCT,
            {"input": {"id": product["id"], "version": 1, "name": "x"}},
            clerk,
        )
    )["updateProduct"]
    assert fields(clerk_update) == [("NOT_FOUND", "id")]
    moved = (
        await gql.data(
            ADJUST,
            {
                "input": {
                    "companyId": inv.company_id,
                    "productId": product["id"],
                    "warehouseId": store["id"],
                    "delta": "1",
                    "reason": "x",
                }
            },
            clerk,
        )
    )["adjustStock"]
    assert fields(moved) == [("NOT_FOUND", "companyId")]
    assert (await inv.valuation())["totalValue"] == "3.0000"


async def test_roles_decide_who_may_move_stock(gql: GraphQLClient, tenant: TenantHandle) -> None:
    inv = await Inventory.open(gql, tenant)
    product = await inv.product("P-1")
    store = await inv.warehouse("KL")
    sales = await invite(gql, tenant, companies=(inv.company_id,), company_roles=(str(SALES.id),))
    clerk = await invite(
        gql, tenant, companies=(inv.company_id,), company_roles=(str(WAREHOUSE.id),)
    )
    variables = {
        "input": {
            "companyId": inv.company_id,
            "productId": product["id"],
            "warehouseId": store["id"],
            "delta": "2",
            "unitCost": "1",
            "reason": "found",
        }
    }
    body = await gql(ADJUST, variables, sales)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    done = (await gql.data(ADJUST, variables, clerk))["adjustStock"]
    assert done["errors"] == [] and done["levels"][0]["onHand"] == "2.0000"
    # sales may read stock
    seen = await gql.data(
        "query($company: ID!) { stockLevels(companyId: $company) { edges { node { onHand } } } }",
        {"company": inv.company_id},
        sales,
    )
    assert [e["node"]["onHand"] for e in seen["stockLevels"]["edges"]] == ["2.0000"]
    assert Decimal(done["levels"][0]["value"]) == 2


async def test_a_category_decides_which_accounts_its_products_book_to(
    gql: GraphQLClient, live_server: LiveServer, tenant: TenantHandle
) -> None:
    inv = await Inventory.open(gql, tenant)
    other = await Books.open(gql, tenant)
    room = Stockroom(live_server, tenant, inv.company_id)
    made = await inv.call(
        CREATE_CATEGORY,
        "createProductCategory",
        {
            "input": {
                "companyId": inv.company_id,
                "name": "Spares",
                "adjustmentAccountId": inv.books.id("5100"),
            }
        },
    )
    assert made["errors"] == [], made
    foreign = await inv.call(
        CREATE_CATEGORY,
        "createProductCategory",
        {
            "input": {
                "companyId": inv.company_id,
                "name": "Foreign",
                "cogsAccountId": other.id("5110"),
            }
        },
    )
    assert fields(foreign) == [("NOT_FOUND", "cogsAccountId")]
    spare = await inv.product("SPARE-1", categoryId=made["category"]["id"])
    plain = await inv.product("PLAIN-1")
    store = await inv.warehouse("KL")
    await inv.adjust(spare["id"], store["id"], delta="2", unitCost="10")
    await inv.adjust(plain["id"], store["id"], delta="1", unitCost="7")
    assert await room.account_balance("5100") == Decimal("-20")  # the category's account
    assert await room.account_balance("5400") == Decimal("-7")  # the default (5400)
    assert await room.account_balance("1300") == Decimal("27")


async def test_stock_movements_page_and_filter(gql: GraphQLClient, tenant: TenantHandle) -> None:
    inv = await Inventory.open(gql, tenant)
    first, second = await inv.product("P-1"), await inv.product("P-2")
    store = await inv.warehouse("KL")
    for day in ("2026-05-01", "2026-05-02", "2026-05-03"):
        await inv.adjust(first["id"], store["id"], delta="1", unitCost="1", occurredOn=day)
    await inv.adjust(second["id"], store["id"], delta="4", unitCost="1", occurredOn="2026-05-02")

    async def page(**variables: Any) -> dict[str, Any]:
        return await inv.call(MOVEMENTS, "stockMovements", {"company": inv.company_id, **variables})

    one = await page(first=2)
    assert len(one["edges"]) == 2 and one["pageInfo"]["hasNextPage"] is True
    rest = await page(after=one["pageInfo"]["endCursor"])
    assert len(rest["edges"]) == 2 and rest["pageInfo"]["hasNextPage"] is False
    only = await page(filter={"productId": second["id"]})
    assert [e["node"]["quantity"] for e in only["edges"]] == ["4.0000"]
    days = await page(filter={"dateFrom": "2026-05-02", "dateTo": "2026-05-02"})
    assert len(days["edges"]) == 2
    bad = await gql(MOVEMENTS, {"company": inv.company_id, "after": "nonsense"}, tenant.token)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_deactivated_warehouse_takes_no_more_movements(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    inv = await Inventory.open(gql, tenant)
    product = await inv.product("P-1")
    store = await inv.warehouse("KL")
    await inv.adjust(product["id"], store["id"], delta="2", unitCost="1")
    stranger = Inventory(await Books.open(gql, other_tenant))
    hidden = await stranger.call(
        UPDATE_WAREHOUSE, "updateWarehouse", {"input": {"id": store["id"], "version": 1}}
    )
    assert fields(hidden) == [("NOT_FOUND", "id")]
    closed = await inv.call(
        UPDATE_WAREHOUSE,
        "updateWarehouse",
        {"input": {"id": store["id"], "version": 1, "isActive": False, "name": "Old KL"}},
    )
    assert closed["errors"] == [] and closed["warehouse"]["version"] == 2
    assert (closed["warehouse"]["name"], closed["warehouse"]["isActive"]) == ("Old KL", False)
    stale = await inv.call(
        UPDATE_WAREHOUSE,
        "updateWarehouse",
        {"input": {"id": store["id"], "version": 1, "isActive": True}},
    )
    assert fields(stale) == [("CONFLICT", "version")]
    refused = await inv.adjust(product["id"], store["id"], delta="-1")
    assert fields(refused) == [("INVALID", "warehouseId")]
