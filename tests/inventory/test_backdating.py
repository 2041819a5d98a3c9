"""A movement dated before later ones re-values what follows: the later issues' cost changes,
the difference is booked on their dates, and stock value equals the inventory account's
balance as of every date."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from domain.inventory.stock import IssueLine, issue_within
from tests.conftest import GraphQLClient, LiveServer, TenantHandle
from tests.inventory.api import MOVEMENTS, Inventory
from tests.inventory.support import Stockroom


async def _issue(room: Stockroom, product: str, store: str, quantity: str, day: date) -> Decimal:
    moved = await room.within(
        lambda uow, origin: issue_within(
            uow,
            origin,
            company_id=room.company_id,
            occurred_on=day,
            reason="sale",
            reference_type="SalesInvoice",
            reference_id=uuid.uuid4(),
            lines=[IssueLine(uuid.UUID(product), uuid.UUID(store), Decimal(quantity))],
        )
    )
    return moved[0].value


async def _books_agree(inv: Inventory, room: Stockroom, *days: str) -> None:
    for day in days:
        valued = (await inv.valuation(day))["totalValue"]
        assert Decimal(valued) == await room.account_balance("1300", date.fromisoformat(day)), day


async def test_a_back_dated_receipt_revalues_later_fifo_issues(
    gql: GraphQLClient, live_server: LiveServer, tenant: TenantHandle
) -> None:
    inv = await Inventory.open(gql, tenant)
    room = Stockroom(live_server, tenant, inv.company_id)
    product = await inv.product("FIFO-1")
    store = await inv.warehouse("KL")
    await inv.adjust(product["id"], store["id"], delta="10", unitCost="2", occurredOn="2026-03-01")
    assert await _issue(room, product["id"], store["id"], "8", date(2026, 3, 20)) == Decimal("16")
    assert await room.account_balance("5110") == Decimal("16")

    # found: 10 units received on 15 February at 1.00 — FIFO issues those first
    late = await inv.adjust(
        product["id"], store["id"], delta="10", unitCost="1", occurredOn="2026-02-15"
    )
    assert late["errors"] == [], late
    level = late["levels"][0]
    assert (level["onHand"], level["value"]) == ("12.0000", "22.0000")  # 2 @ 1 + 10 @ 2
    assert await room.account_balance("5110") == Decimal("8")  # the issue now costs 8 @ 1
    movements = await inv.call(MOVEMENTS, "stockMovements", {"company": inv.company_id})
    values = {
        (e["node"]["type"], e["node"]["occurredOn"]): e["node"]["value"] for e in movements["edges"]
    }
    assert values[("ISSUE", "2026-03-20")] == "-8.0000"
    await _books_agree(inv, room, "2026-02-15", "2026-03-01", "2026-03-19", "2026-03-20")
    layers = await room.rows(
        "SELECT quantity, value FROM {s}.stock_layers WHERE product_id = :p"
        " ORDER BY received_on, seq",
        p=uuid.UUID(product["id"]),
    )
    assert [tuple(r) for r in layers] == [
        (Decimal("2"), Decimal("2")),
        (Decimal("10"), Decimal("20")),
    ]


async def test_a_back_dated_receipt_revalues_later_moving_average_issues(
    gql: GraphQLClient, live_server: LiveServer, tenant: TenantHandle
) -> None:
    inv = await Inventory.open(gql, tenant)
    room = Stockroom(live_server, tenant, inv.company_id)
    product = await inv.product("AVG-1", costMethod="MOVING_AVERAGE")
    store = await inv.warehouse("KL")
    await inv.adjust(product["id"], store["id"], delta="10", unitCost="2", occurredOn="2026-03-01")
    assert await _issue(room, product["id"], store["id"], "8", date(2026, 3, 10)) == Decimal("16")
    # 10 @ 3.50 on 5 March: the average on the 10th is (20 + 35) / 20 = 2.75 -> the issue is 22
    await inv.adjust(
        product["id"], store["id"], delta="10", unitCost="3.5", occurredOn="2026-03-05"
    )
    assert await room.account_balance("5110") == Decimal("22")
    level = (await inv.levels())["edges"][0]["node"]
    assert (level["onHand"], level["value"]) == ("12.0000", "33.0000")
    await _books_agree(inv, room, "2026-03-04", "2026-03-05", "2026-03-09", "2026-03-10")


async def test_a_back_dated_issue_that_would_have_gone_negative_is_refused(
    gql: GraphQLClient, live_server: LiveServer, tenant: TenantHandle
) -> None:
    inv = await Inventory.open(gql, tenant)
    room = Stockroom(live_server, tenant, inv.company_id)
    product = await inv.product("P-1")
    store = await inv.warehouse("KL")
    await inv.adjust(product["id"], store["id"], delta="10", unitCost="2", occurredOn="2026-03-01")
    await _issue(room, product["id"], store["id"], "8", date(2026, 3, 10))
    # 5 lost on 5 March would have left only 5 for the 8 issued on the 10th
    refused = await inv.adjust(product["id"], store["id"], delta="-5", occurredOn="2026-03-05")
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID", "quantity")]
    assert "2026-03-10" in refused["errors"][0]["message"]
    fine = await inv.adjust(product["id"], store["id"], delta="-2", occurredOn="2026-03-05")
    assert fine["errors"] == [] and fine["levels"][0]["onHand"] == "0.0000"
    await _books_agree(inv, room, "2026-03-05", "2026-03-10")
