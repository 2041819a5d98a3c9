"""Many clients at once, through the API: every balance exact, entry numbers gapless, and a key
retried concurrently still makes one entry."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.accounting.api import POST_ENTRY, Books, count
from tests.conftest import GraphQLClient, TenantHandle

CLIENTS = 20


async def test_concurrent_posts_to_the_same_accounts_are_exact_and_gapless(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = await Books.open(gql, tenant)
    amounts = [Decimal(n) + Decimal(n) / 100 for n in range(1, CLIENTS + 1)]  # 1.01 .. 20.20
    drafts = [
        (await books.entry([("1110", "debit", str(a)), ("4100", "credit", str(a))], post=False))[
            "journalEntry"
        ]["id"]
        for a in amounts
    ]

    async def post(entry_id: str) -> dict:  # type: ignore[type-arg]
        data = await gql.data(POST_ENTRY, {"input": {"id": entry_id}}, tenant.token)
        return dict(data["postJournalEntry"])

    results = await asyncio.gather(*(post(d) for d in drafts))
    assert [r["errors"] for r in results] == [[]] * CLIENTS
    numbers = sorted(r["journalEntry"]["entryNumber"] for r in results)
    assert numbers == [f"JE-2026-{n:06d}" for n in range(1, CLIENTS + 1)]

    total = sum(amounts)
    assert total == Decimal("212.10")
    tb = await books.trial_balance()
    lines = {x["account"]["code"]: x for x in tb["lines"]}
    assert (lines["1110"]["debit"], lines["4100"]["credit"]) == ("212.1000", "212.1000")
    assert tb["totalDebit"] == tb["totalCredit"] == "212.1000"
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    f"SELECT account_id, debit_total, credit_total "
                    f'FROM "{tenant.schema}".account_balances'
                )
            )
        ).all()
    by_account = {str(r.account_id): (r.debit_total, r.credit_total) for r in rows}
    assert by_account == {
        books.id("1110"): (total, Decimal(0)),
        books.id("4100"): (Decimal(0), total),
    }


async def test_concurrent_creates_post_gaplessly_and_one_key_makes_one_entry(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = await Books.open(gql, tenant)
    sales = await asyncio.gather(
        *(books.entry([("1110", "debit", "10"), ("4100", "credit", "10")]) for _ in range(10))
    )
    assert {s["journalEntry"]["entryNumber"] for s in sales} == {
        f"JE-2026-{n:06d}" for n in range(1, 11)
    }
    retries = await asyncio.gather(
        *(
            books.entry([("6200", "debit", "99"), ("1110", "credit", "99")], idempotencyKey="rent")
            for _ in range(8)
        )
    )
    assert [r["errors"] for r in retries] == [[]] * 8
    assert len({r["journalEntry"]["id"] for r in retries}) == 1
    assert await count(engine, tenant.schema, "transactions") == 11
    tb = await books.trial_balance()
    nets = {x["account"]["code"]: (x["debit"], x["credit"]) for x in tb["lines"]}
    assert nets == {
        "1110": ("1.0000", "0.0000"),  # 10 x 10 in, 99 out
        "4100": ("0.0000", "100.0000"),
        "6200": ("99.0000", "0.0000"),  # the rent, once
    }
