"""The chart of accounts through the API: the standard chart a new company gets, opening and
changing accounts, the tree with rolled-up balances, and who sees which company's accounts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.identity.builtin_roles import ACCOUNTANT
from tests.accounting.api import (
    ACCOUNTS,
    CREATE_ACCOUNT,
    CREATE_YEAR,
    HIERARCHY,
    UPDATE_ACCOUNT,
    Books,
    count,
    invite,
)
from tests.conftest import GraphQLClient, TenantHandle


async def create_account(books: Books, token: str | None = None, **input: Any) -> dict[str, Any]:
    data = await books.gql.data(
        CREATE_ACCOUNT, {"input": {"companyId": books.company_id, **input}}, token or books.token
    )
    return dict(data["createAccount"])


async def update_account(books: Books, **input: Any) -> dict[str, Any]:
    data = await books.gql.data(UPDATE_ACCOUNT, {"input": input}, books.token)
    return dict(data["updateAccount"])


def fields(payload: dict[str, Any]) -> dict[str | None, str]:
    return {e["field"]: e["code"] for e in payload["errors"]}


async def test_a_new_company_gets_the_malaysian_chart_unless_it_asks_for_none(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = await Books.open(gql, tenant, year_start=None)
    accounts = books.accounts
    assert 30 <= len(accounts) <= 60
    assert list(accounts) == sorted(accounts)  # code order
    bank = accounts["1110"]
    assert (bank["name"], bank["type"], bank["subtype"], bank["normalBalance"]) == (
        "Cash at Bank",
        "ASSET",
        "BANK",
        "DEBIT",
    )
    assert bank["parentId"] == accounts["1100"]["id"]
    assert accounts["1100"]["parentId"] == accounts["1000"]["id"]
    assert (accounts["2200"]["name"], accounts["2200"]["subtype"]) == ("SST Payable", "TAX")
    assert accounts["3200"]["subtype"] == "RETAINED_EARNINGS"
    assert accounts["4100"]["normalBalance"] == "CREDIT"
    # The chart came with the company: one event (CompanyCreated), no AccountCreated flood.
    async with engine.connect() as conn:
        types = (
            await conn.execute(text(f'SELECT event_type FROM "{tenant.schema}".outbox'))
        ).scalars()
        assert list(types) == ["CompanyCreated"]

    empty = await Books.open(gql, tenant, year_start=None, chart="EMPTY")
    assert empty.accounts == {}
    assert await count(engine, tenant.schema, "chart_of_accounts") == len(accounts)


async def test_accounts_page_in_code_order(gql: GraphQLClient, tenant: TenantHandle) -> None:
    books = await Books.open(gql, tenant, year_start=None)
    seen: list[str] = []
    after = None
    while True:
        page = (
            await gql.data(
                ACCOUNTS, {"company": books.company_id, "first": 20, "after": after}, tenant.token
            )
        )["accounts"]
        seen += [e["node"]["code"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(books.accounts)


async def test_open_an_account_and_the_rules_it_must_follow(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = await Books.open(gql, tenant, year_start=None)
    made = await create_account(
        books,
        code="1111",
        name="Maybank Current Account",
        type="ASSET",
        subtype="BANK",
        parentId=books.id("1100"),
    )
    assert made["errors"] == []
    account = made["account"]
    assert (account["code"], account["parentId"], account["version"]) == (
        "1111",
        books.id("1100"),
        1,
    )

    duplicate = await create_account(books, code="1111", name="Again", type="ASSET")
    assert fields(duplicate) == {"code": "DUPLICATE"}
    wrong_type = await create_account(
        books, code="1112", name="CIMB", type="ASSET", parentId=books.id("2000")
    )
    assert fields(wrong_type) == {"parentId": "INVALID"}
    subtype = await create_account(books, code="1113", name="X", type="ASSET", subtype="SALES")
    assert fields(subtype) == {"subtype": "INVALID"}
    other = await Books.open(gql, tenant, year_start=None)
    foreign_parent = await create_account(
        books, code="1114", name="Y", type="ASSET", parentId=other.id("1100")
    )
    assert fields(foreign_parent) == {"parentId": "NOT_FOUND"}
    bad = await create_account(books, code="", name="", type="ASSET")
    assert fields(bad) == {"code": "REQUIRED", "name": "REQUIRED"}

    async with engine.connect() as conn:
        events = (
            (
                await conn.execute(
                    text(
                        f'SELECT envelope FROM "{tenant.schema}".outbox '
                        "WHERE event_type = 'AccountCreated'"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert [e["payload"]["code"] for e in events] == ["1111"]
    assert events[0]["payload"]["companyId"] == books.company_id
    assert events[0]["aggregateType"] == "Account"


async def test_change_deactivate_and_type_rules(gql: GraphQLClient, tenant: TenantHandle) -> None:
    books = await Books.open(gql, tenant)
    rent = books.accounts["6200"]
    renamed = await update_account(books, id=rent["id"], version=1, name="Office Rent")
    assert renamed["errors"] == []
    assert (renamed["account"]["name"], renamed["account"]["version"]) == ("Office Rent", 2)
    stale = await update_account(books, id=rent["id"], version=1, name="Lost")
    assert fields(stale) == {"version": "CONFLICT"}

    # Without postings the type may change (out from under its EXPENSE parent) ...
    moved = await update_account(
        books, id=rent["id"], version=2, type="ASSET", parentId=None, subtype="PREPAYMENT"
    )
    assert moved["errors"] == []
    assert (moved["account"]["type"], moved["account"]["subtype"]) == ("ASSET", "PREPAYMENT")
    # ... once it has postings, never.
    await books.entry([("6200", "debit", "10"), ("1110", "credit", "10")], post=False)
    fixed = await update_account(
        books, id=rent["id"], version=3, type="EXPENSE", parentId=books.id("6000")
    )
    assert fields(fixed) == {"type": "INVALID"}
    cycle = await update_account(books, id=books.id("1000"), version=1, parentId=books.id("1110"))
    assert fields(cycle) == {"parentId": "INVALID"}
    null_name = await update_account(books, id=books.id("1110"), version=1, name=None)
    assert fields(null_name) == {"name": "REQUIRED"}

    off = await update_account(books, id=books.id("1120"), version=1, isActive=False)
    assert off["account"]["isActive"] is False
    refused = await books.entry([("1120", "debit", "1"), ("4100", "credit", "1")])
    assert fields(refused) == {"lines.0.accountId": "INVALID"}
    assert "inactive" in refused["errors"][0]["message"]


async def test_hierarchy_rolls_balances_up_to_parents(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    await books.sale("1000.00")
    await books.entry([("6200", "debit", "300.00"), ("1110", "credit", "300.00")])
    await books.entry([("6300", "debit", "45.50"), ("1120", "credit", "45.50")])
    await books.entry([("1110", "debit", "1"), ("4100", "credit", "1")], post=False)  # a draft

    tree = (await gql.data(HIERARCHY, {"company": books.company_id}, tenant.token))[
        "accountHierarchy"
    ]
    assert len(tree) == len(books.accounts)
    # Depth-first: every node follows its parent, one level deeper.
    seen: dict[str, int] = {}
    for node in tree:
        parent = node["account"]["parentId"]
        assert node["depth"] == (0 if parent is None else seen[parent] + 1)
        seen[node["account"]["id"]] = node["depth"]
    nodes = {n["account"]["code"]: n for n in tree}
    assert [n["account"]["code"] for n in tree if n["depth"] == 0] == [
        "1000",
        "2000",
        "3000",
        "4000",
        "5000",
        "6000",
    ]
    assert [n["account"]["code"] for n in tree[:4]] == ["1000", "1100", "1110", "1120"]
    assets = nodes["1000"]
    assert (assets["debit"], assets["credit"], assets["net"], assets["balance"]) == (
        "1000.0000",
        "345.5000",
        "654.5000",
        "654.5000",
    )
    assert nodes["1100"]["net"] == "654.5000"
    assert (nodes["1110"]["debit"], nodes["1110"]["credit"]) == ("1000.0000", "300.0000")
    assert nodes["1120"]["balance"] == "-45.5000"  # an overdrawn petty cash box
    assert (nodes["4000"]["credit"], nodes["4000"]["balance"]) == ("1000.0000", "1000.0000")
    assert nodes["4100"]["balance"] == "1000.0000"
    assert nodes["6000"]["net"] == nodes["6000"]["balance"] == "345.5000"
    assert (nodes["2000"]["net"], nodes["5000"]["debit"]) == ("0.0000", "0.0000")


async def test_accounts_of_a_company_you_cannot_enter_do_not_exist_for_you(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant, year_start=None)
    second = await Books.open(gql, tenant, year_start=None)
    clerk = await invite(
        gql, tenant, companies=(second.company_id,), company_roles=(str(ACCOUNTANT.id),)
    )
    for token in (clerk, other_tenant.token):
        listed = await gql.data(ACCOUNTS, {"company": books.company_id}, token)
        assert listed["accounts"]["edges"] == []
        tree = await gql.data(HIERARCHY, {"company": books.company_id}, token)
        assert tree["accountHierarchy"] == []
        one = await gql.data(
            "query($id: ID!) { account(id: $id) { id } }", {"id": books.id("1110")}, token
        )
        assert one["account"] is None
        changed = await gql.data(
            UPDATE_ACCOUNT, {"input": {"id": books.id("1110"), "version": 1, "name": "x"}}, token
        )
        assert fields(changed["updateAccount"]) == {"id": "NOT_FOUND"}
        opened = await create_account(books, token=token, code="9999", name="x", type="ASSET")
        assert fields(opened) == {"companyId": "NOT_FOUND"}
        year = await gql.data(
            CREATE_YEAR,
            {"input": {"companyId": books.company_id, "startDate": "2026-01-01"}},
            token,
        )
        assert fields(year["createFiscalYear"]) == {"companyId": "NOT_FOUND"}
    # The clerk works in their own company as usual.
    own = await gql.data(ACCOUNTS, {"company": second.company_id, "first": 100}, clerk)
    assert len(own["accounts"]["edges"]) == len(second.accounts)
    assert (await create_account(second, token=clerk, code="9999", name="Mine", type="EXPENSE"))[
        "errors"
    ] == []
