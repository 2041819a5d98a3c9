"""Journal entries through the API: post, read back, reverse, refuse bad input (writing nothing),
idempotency, periods, permissions, the statement count of reads, and tenant/company isolation."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.identity.builtin_roles import ACCOUNTANT, VIEWER
from tests.accounting.api import (
    CREATE_ENTRY,
    ENTRIES,
    ENTRY_QUERY,
    POST_ENTRY,
    REVERSE_ENTRY,
    TRIAL_BALANCE,
    UPDATE_ACCOUNT,
    Books,
    count,
    custom_role,
    invite,
    period_action,
    snapshot,
)
from tests.conftest import GraphQLClient, StatementLog, TenantHandle


def only_error(payload: dict[str, Any]) -> tuple[str, str | None]:
    [error] = payload["errors"]
    return error["code"], error["field"]


async def post(books: Books, entry_id: str, key: str | None = None) -> dict[str, Any]:
    data = await books.gql.data(
        POST_ENTRY, {"input": {"id": entry_id, "idempotencyKey": key}}, books.token
    )
    return dict(data["postJournalEntry"])


async def reverse(books: Books, entry_id: str, **extra: Any) -> dict[str, Any]:
    data = await books.gql.data(REVERSE_ENTRY, {"input": {"id": entry_id, **extra}}, books.token)
    return dict(data["reverseJournalEntry"])


async def test_post_read_back_and_trial_balance(gql: GraphQLClient, tenant: TenantHandle) -> None:
    books = await Books.open(gql, tenant)
    payload = await books.entry(
        [("1110", "debit", "1060.00"), ("4100", "credit", "1000"), ("2200", "credit", "60.00")],
        reference="INV-0001",
        description="Cash sale with SST",
    )
    assert payload["errors"] == []
    entry = payload["journalEntry"]
    assert (entry["status"], entry["entryNumber"]) == ("POSTED", "JE-2026-000001")
    assert (entry["totalAmount"], entry["currencyCode"]) == ("1060.0000", "MYR")
    assert [(x["account"]["code"], x["debit"], x["credit"]) for x in entry["lines"]] == [
        ("1110", "1060.0000", "0.0000"),
        ("4100", "0.0000", "1000.0000"),
        ("2200", "0.0000", "60.0000"),
    ]
    read = (await gql.data(ENTRY_QUERY, {"id": entry["id"]}, tenant.token))["journalEntry"]
    assert read == entry  # the payload and a later read agree, field for field

    second = await books.sale("250.25", date="2026-04-01")
    assert second["entryNumber"] == "JE-2026-000002"
    tb = await books.trial_balance("2026-12-31")
    assert (tb["totalDebit"], tb["totalCredit"], tb["balanced"]) == (
        "1310.2500",
        "1310.2500",
        True,
    )
    by_code = {line["account"]["code"]: (line["debit"], line["credit"]) for line in tb["lines"]}
    assert by_code == {
        "1110": ("1310.2500", "0.0000"),
        "2200": ("0.0000", "60.0000"),
        "4100": ("0.0000", "1250.2500"),
    }
    # As of a date: the mid-month day before the April sale leaves it out.
    march = await books.trial_balance("2026-03-31")
    assert march["totalDebit"] == "1060.0000"
    before = await books.trial_balance("2026-03-14")
    assert (before["lines"], before["totalDebit"]) == ([], "0.0000")


async def test_drafts_get_numbers_only_when_posted_in_posting_order(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    drafts = [
        (
            await books.entry(
                [("6200", "debit", f"{n}00"), ("1110", "credit", f"{n}00")], post=False
            )
        )["journalEntry"]
        for n in (1, 2, 3)
    ]
    assert [d["status"] for d in drafts] == ["DRAFT"] * 3
    assert all(d["entryNumber"] is None for d in drafts)
    assert (await books.trial_balance())["lines"] == []  # drafts are not in the books
    numbers = []
    for d in (drafts[2], drafts[0], drafts[1]):
        posted = await post(books, d["id"])
        assert posted["errors"] == []
        numbers.append(posted["journalEntry"]["entryNumber"])
    assert numbers == ["JE-2026-000001", "JE-2026-000002", "JE-2026-000003"]
    listed = await gql.data(
        ENTRIES, {"company": books.company_id, "filter": {"status": "POSTED"}}, tenant.token
    )
    assert [e["node"]["id"] for e in listed["journalEntries"]["edges"]] == [
        d["id"] for d in drafts
    ]  # creation order


async def test_reversal_posts_a_mirror_and_nets_to_zero(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    original = await books.sale("500.00", date="2026-03-10")
    result = await reverse(books, original["id"], date="2026-04-05", description="Refund")
    assert result["errors"] == []
    reversed_, mirror = result["journalEntry"], result["reversal"]
    assert (reversed_["status"], reversed_["reversedBy"]) == ("REVERSED", mirror["id"])
    assert (mirror["status"], mirror["reversalOf"]) == ("POSTED", original["id"])
    assert (mirror["postingDate"], mirror["entryNumber"]) == ("2026-04-05", "JE-2026-000002")
    assert [(x["account"]["code"], x["debit"], x["credit"]) for x in mirror["lines"]] == [
        ("1110", "0.0000", "500.0000"),
        ("4100", "500.0000", "0.0000"),
    ]
    march = await books.trial_balance("2026-03-31")
    assert march["totalDebit"] == "500.0000"  # the reversal is dated April
    year_end = await books.trial_balance("2026-12-31")
    assert {(x["debit"], x["credit"]) for x in year_end["lines"]} == {("0.0000", "0.0000")}
    assert {x["totalDebits"] for x in year_end["lines"]} == {"500.0000"}

    default_date = await reverse(books, (await books.sale("7"))["id"])
    assert default_date["reversal"]["postingDate"] == "2026-03-15"  # the original's date

    again = await reverse(books, original["id"])
    assert only_error(again) == ("INVALID_STATE", "id")


async def test_every_bad_input_is_a_typed_error_and_writes_nothing(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = await Books.open(gql, tenant)
    other = await Books.open(gql, tenant, year_start=None)  # another company, same tenant
    draft = (await books.entry([("1110", "debit", "5"), ("4100", "credit", "5")], post=False))[
        "journalEntry"
    ]
    posted = await books.sale("9.99")
    inactive = await gql.data(
        UPDATE_ACCOUNT,
        {"input": {"id": books.id("1120"), "version": 1, "isActive": False}},
        tenant.token,
    )
    assert inactive["updateAccount"]["errors"] == []
    closed = await gql.data(
        period_action("closePeriod"), {"id": books.period(2)["id"]}, tenant.token
    )
    assert closed["closePeriod"]["errors"] == []
    before = await snapshot(engine, tenant.schema)

    def line(account: str, side: str, amount: str, **extra: Any) -> dict[str, Any]:
        return {"accountId": account, side: amount, **extra}

    cash, sales = books.id("1110"), books.id("4100")
    cases: list[tuple[str, list[dict[str, Any]], dict[str, Any], tuple[str, str]]] = [
        (
            "unbalanced",
            [line(cash, "debit", "100"), line(sales, "credit", "99.99")],
            {},
            ("UNBALANCED", "lines"),
        ),
        ("one line", [line(cash, "debit", "100")], {}, ("INVALID", "lines")),
        (
            "unknown account",
            [line(cash, "debit", "1"), line(str(uuid.uuid4()), "credit", "1")],
            {},
            ("NOT_FOUND", "lines.1.accountId"),
        ),
        (
            "not an id",
            [line("nope", "debit", "1"), line(sales, "credit", "1")],
            {},
            ("NOT_FOUND", "lines.0.accountId"),
        ),
        (
            "inactive account",
            [line(cash, "debit", "1"), line(books.id("1120"), "credit", "1")],
            {},
            ("INVALID", "lines.1.accountId"),
        ),
        (
            "other company's account",
            [line(cash, "debit", "1"), line(other.id("4100"), "credit", "1")],
            {},
            ("NOT_FOUND", "lines.1.accountId"),
        ),
        (
            "closed period",
            [line(cash, "debit", "1"), line(sales, "credit", "1")],
            {"postingDate": "2026-02-10"},
            ("PERIOD_CLOSED", "postingDate"),
        ),
        (
            "no fiscal year",
            [line(cash, "debit", "1"), line(sales, "credit", "1")],
            {"postingDate": "2027-01-05"},
            ("PERIOD_CLOSED", "postingDate"),
        ),
        (
            "negative",
            [line(cash, "debit", "-1"), line(sales, "credit", "1")],
            {},
            ("INVALID", "lines.0.debit"),
        ),
        (
            "both sides",
            [line(cash, "debit", "1", credit="1"), line(sales, "credit", "1")],
            {},
            ("INVALID", "lines.0.credit"),
        ),
        (
            "zero",
            [line(cash, "debit", "0"), line(sales, "credit", "1")],
            {},
            ("REQUIRED", "lines.0.debit"),
        ),
        (
            "unknown currency",
            [line(cash, "debit", "1", currencyCode="ZZZ"), line(sales, "credit", "1")],
            {},
            ("INVALID", "lines.0.currencyCode"),
        ),
        (
            "missing rate",
            [line(cash, "debit", "1", currencyCode="USD"), line(sales, "credit", "4.7")],
            {},
            ("MISSING_RATE", "lines.0.exchangeRate"),  # no rate given and none set for the date
        ),
    ]
    for name, lines, extra, expected in cases:
        variables = {
            "input": {
                "companyId": books.company_id,
                "postingDate": "2026-03-15",
                "post": True,
                "lines": lines,
                **extra,
            }
        }
        payload = (await gql.data(CREATE_ENTRY, variables, tenant.token))["createJournalEntry"]
        assert payload["journalEntry"] is None, name
        errors = [(e["code"], e["field"]) for e in payload["errors"]]
        assert errors == [expected], (name, payload["errors"])
        assert payload["errors"][0]["message"], name

    # Over-precise amounts never reach a resolver: the Money scalar refuses them, naming the
    # line and field.
    body = await gql(
        CREATE_ENTRY,
        {
            "input": {
                "companyId": books.company_id,
                "postingDate": "2026-03-15",
                "post": True,
                "lines": [line(cash, "debit", "1.00001"), line(sales, "credit", "1.0000")],
            }
        },
        tenant.token,
    )
    assert body["data"] is None
    [error] = body["errors"]
    assert "lines[0].debit" in error["message"] and "4 decimal places" in error["message"]

    double_post = await post(books, posted["id"])
    assert only_error(double_post) == ("INVALID_STATE", "id")
    reverse_draft = await reverse(books, draft["id"])
    assert only_error(reverse_draft) == ("INVALID_STATE", "id")
    reverse_into_closed = await reverse(books, posted["id"], date="2026-02-01")
    assert only_error(reverse_into_closed) == ("PERIOD_CLOSED", "date")
    unknown = await post(books, str(uuid.uuid4()))
    assert only_error(unknown) == ("NOT_FOUND", "id")

    assert await snapshot(engine, tenant.schema) == before  # nothing of any of it was written


async def test_foreign_currency_line_keeps_amount_and_rate(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    variables = {
        "input": {
            "companyId": books.company_id,
            "postingDate": "2026-03-15",
            "post": True,
            "lines": [
                {
                    "accountId": books.id("1200"),
                    "debit": "100.00",
                    "currencyCode": "usd",
                    "exchangeRate": "4.7123",
                },
                {"accountId": books.id("4100"), "credit": "471.23"},
            ],
        }
    }
    payload = (await gql.data(CREATE_ENTRY, variables, tenant.token))["createJournalEntry"]
    assert payload["errors"] == []
    first = payload["journalEntry"]["lines"][0]
    assert (first["currencyCode"], first["exchangeRate"], first["debit"], first["baseDebit"]) == (
        "USD",
        "4.7123",
        "100.0000",
        "471.2300",
    )
    tb = await books.trial_balance()
    assert tb["totalDebit"] == tb["totalCredit"] == "471.2300"


async def test_idempotent_create_and_post(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = await Books.open(gql, tenant)
    lines = [("1110", "debit", "42.00"), ("4100", "credit", "42.00")]
    first = await books.entry(lines, idempotencyKey="sale-42")
    retry = await books.entry(lines, idempotencyKey="sale-42")
    assert first["errors"] == retry["errors"] == []
    assert retry["journalEntry"]["id"] == first["journalEntry"]["id"]
    assert retry["journalEntry"]["entryNumber"] == "JE-2026-000001"
    assert await count(engine, tenant.schema, "transactions") == 1
    tb = await books.trial_balance()
    assert tb["totalDebit"] == "42.0000"  # posted once, not twice

    changed = await books.entry(
        [("1110", "debit", "43.00"), ("4100", "credit", "43.00")], idempotencyKey="sale-42"
    )
    assert only_error(changed) == ("CONFLICT", "idempotencyKey")
    assert await count(engine, tenant.schema, "transactions") == 1

    draft = (await books.entry(lines, post=False, idempotencyKey="draft-1"))["journalEntry"]
    posted = await post(books, draft["id"], key="post-1")
    again = await post(books, draft["id"], key="post-1")
    assert posted["errors"] == again["errors"] == []
    assert again["journalEntry"]["entryNumber"] == posted["journalEntry"]["entryNumber"]
    without_key = await post(books, draft["id"])
    assert only_error(without_key) == ("INVALID_STATE", "id")
    other_entry = await post(books, first["journalEntry"]["id"], key="post-1")
    assert only_error(other_entry) == ("CONFLICT", "idempotencyKey")
    reused_for_post = await post(books, draft["id"], key="sale-42")  # a create's key
    assert only_error(reused_for_post) == ("CONFLICT", "idempotencyKey")
    assert (await books.trial_balance())["totalDebit"] == "84.0000"
    # A key belongs to its company: the same key elsewhere is a new request.
    other = await Books.open(gql, tenant)
    elsewhere = await other.entry(lines, idempotencyKey="sale-42")
    assert elsewhere["errors"] == []
    assert elsewhere["journalEntry"]["id"] != first["journalEntry"]["id"]


async def test_a_refused_request_does_not_burn_its_key(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    bad = await books.entry([("1110", "debit", "1"), ("4100", "credit", "2")], idempotencyKey="k")
    assert only_error(bad) == ("UNBALANCED", "lines")
    good = await books.entry([("1110", "debit", "2"), ("4100", "credit", "2")], idempotencyKey="k")
    assert good["errors"] == []


async def test_period_close_reopen_lock_through_the_api(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = await Books.open(gql, tenant)
    march = books.period(3)["id"]
    closed = (await gql.data(period_action("closePeriod"), {"id": march}, tenant.token))[
        "closePeriod"
    ]
    assert closed["period"]["status"] == "CLOSED"
    refused = await books.entry([("1110", "debit", "1"), ("4100", "credit", "1")])
    assert only_error(refused) == ("PERIOD_CLOSED", "postingDate")
    assert "closed" in refused["errors"][0]["message"]

    # Reopening needs period:reopen: a clerk who may close may not reopen.
    role = await custom_role(
        gql,
        tenant,
        "Closer",
        [
            {"resource": "period", "action": "close"},
            {"resource": "period", "action": "read"},
        ],
    )
    clerk = await invite(gql, tenant, roles=(role,), companies=(books.company_id,))
    body = await gql(period_action("reopenPeriod"), {"id": march}, clerk)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    reopened = (await gql.data(period_action("reopenPeriod"), {"id": march}, tenant.token))[
        "reopenPeriod"
    ]
    assert reopened["period"]["status"] == "OPEN"
    assert (await books.entry([("1110", "debit", "1"), ("4100", "credit", "1")]))["errors"] == []

    locked = (await gql.data(period_action("lockPeriod"), {"id": march}, tenant.token))[
        "lockPeriod"
    ]
    assert locked["period"]["status"] == "LOCKED"
    never = (await gql.data(period_action("reopenPeriod"), {"id": march}, tenant.token))[
        "reopenPeriod"
    ]
    assert only_error(never) == ("INVALID_STATE", "id")
    refused = await books.entry([("1110", "debit", "1"), ("4100", "credit", "1")])
    assert only_error(refused) == ("PERIOD_CLOSED", "postingDate")


async def test_amount_conditions_apply_to_posting(gql: GraphQLClient, tenant: TenantHandle) -> None:
    books = await Books.open(gql, tenant)
    role = await custom_role(
        gql,
        tenant,
        "Junior Clerk",
        [
            {"resource": "journal", "action": "read"},
            {"resource": "journal", "action": "create"},
            {
                "resource": "journal",
                "action": "post",
                "conditions": [{"kind": "AMOUNT_AT_MOST", "value": "1000.00"}],
            },
        ],
    )
    clerk = await invite(gql, tenant, roles=(role,), companies=(books.company_id,))
    small = await books.entry([("6200", "debit", "1000"), ("1110", "credit", "1000")], token=clerk)
    assert small["errors"] == []
    big = await books.entry(
        [("6200", "debit", "1000.01"), ("1110", "credit", "1000.01")], token=clerk
    )
    [error] = big["errors"]
    assert error["code"] == "FORBIDDEN" and "1000.00" in error["message"]
    draft = (
        await books.entry(
            [("6200", "debit", "5000"), ("1110", "credit", "5000")], post=False, token=clerk
        )
    )["journalEntry"]
    assert draft is not None  # creating is not limited
    refused = await gql.data(POST_ENTRY, {"input": {"id": draft["id"]}}, clerk)
    assert refused["postJournalEntry"]["errors"][0]["code"] == "FORBIDDEN"
    assert (await post(books, draft["id"]))["errors"] == []  # the owner may


async def test_read_only_users_cannot_post(gql: GraphQLClient, tenant: TenantHandle) -> None:
    books = await Books.open(gql, tenant)
    viewer = await invite(gql, tenant, roles=(str(VIEWER.id),), companies=(books.company_id,))
    body = await gql(
        CREATE_ENTRY,
        {
            "input": {
                "companyId": books.company_id,
                "postingDate": "2026-03-01",
                "lines": [
                    {"accountId": books.id("1110"), "debit": "1"},
                    {"accountId": books.id("4100"), "credit": "1"},
                ],
            }
        },
        viewer,
    )
    assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN", "permission": "journal:create"}
    tb = await gql.data(TRIAL_BALANCE, {"company": books.company_id, "asOf": "2026-12-31"}, viewer)
    assert tb["trialBalance"]["balanced"] is True  # but they read the books


@pytest.mark.parametrize("line_count", [2, 20])
async def test_reading_an_entry_costs_the_same_statements_whatever_its_size(
    gql: GraphQLClient, tenant: TenantHandle, sql_log: StatementLog, line_count: int
) -> None:
    books = await Books.open(gql, tenant)
    codes = ["6100", "6110", "6120", "6200", "6300", "6400", "6500", "6600", "6700", "6800"]
    debits = [(codes[i % len(codes)], "debit", "1.00") for i in range(line_count - 1)]
    entry = (await books.entry([*debits, ("1110", "credit", f"{line_count - 1}.00")]))[
        "journalEntry"
    ]
    assert len(entry["lines"]) == line_count
    sql_log.statements.clear()
    read = (await gql.data(ENTRY_QUERY, {"id": entry["id"]}, tenant.token))["journalEntry"]
    assert len(read["lines"]) == line_count
    assert {x["account"]["code"] for x in read["lines"]} >= {"1110", "6100"}
    # the entry, its lines, their accounts: three statements, for 2 lines as for 20
    assert len(sql_log.touching(tenant.schema)) == 3, sql_log.touching(tenant.schema)


async def test_other_tenants_and_other_companies_see_nothing(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = await Books.open(gql, tenant)
    entry = await books.sale("123.45")
    theirs = await Books.open(gql, other_tenant)

    # Another tenant: the ids mean nothing there.
    for token in (other_tenant.token,):
        assert (await gql.data(ENTRY_QUERY, {"id": entry["id"]}, token))["journalEntry"] is None
        tb = await gql.data(
            TRIAL_BALANCE, {"company": books.company_id, "asOf": "2026-12-31"}, token
        )
        assert tb["trialBalance"] is None
        refused = await books.entry([("1110", "debit", "1"), ("4100", "credit", "1")], token=token)
        assert only_error(refused) == ("NOT_FOUND", "companyId")
        reversed_ = await gql.data(REVERSE_ENTRY, {"input": {"id": entry["id"]}}, token)
        assert only_error(reversed_["reverseJournalEntry"]) == ("NOT_FOUND", "id")

    # Another company of the same tenant: an accountant let into the second company only.
    second = await Books.open(gql, tenant)
    clerk = await invite(
        gql, tenant, companies=(second.company_id,), company_roles=(str(ACCOUNTANT.id),)
    )
    assert (await gql.data(ENTRY_QUERY, {"id": entry["id"]}, clerk))["journalEntry"] is None
    listed = await gql.data(ENTRIES, {"company": books.company_id}, clerk)
    assert listed["journalEntries"]["edges"] == []
    tb = await gql.data(TRIAL_BALANCE, {"company": books.company_id, "asOf": "2026-12-31"}, clerk)
    assert tb["trialBalance"] is None
    outside = await books.entry([("1110", "debit", "1"), ("4100", "credit", "1")], token=clerk)
    assert only_error(outside) == ("NOT_FOUND", "companyId")
    # In their own company they post, but never to the other company's accounts.
    mixed = await second.gql.data(
        CREATE_ENTRY,
        {
            "input": {
                "companyId": second.company_id,
                "postingDate": "2026-03-01",
                "post": True,
                "lines": [
                    {"accountId": second.id("1110"), "debit": "1"},
                    {"accountId": books.id("4100"), "credit": "1"},
                ],
            }
        },
        clerk,
    )
    assert only_error(mixed["createJournalEntry"]) == ("NOT_FOUND", "lines.1.accountId")
    own = await second.entry([("1110", "debit", "1"), ("4100", "credit", "1")], token=clerk)
    assert own["errors"] == []
    refused_post = await gql.data(POST_ENTRY, {"input": {"id": entry["id"]}}, clerk)
    assert only_error(refused_post["postJournalEntry"]) == ("NOT_FOUND", "id")
    # The other tenant's books were never touched.
    assert await count(engine, other_tenant.schema, "transactions") == 0
    assert theirs.company_id != books.company_id


async def test_posting_emits_events_carrying_the_company(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = await Books.open(gql, tenant)
    entry = await books.sale("10.00")
    await reverse(books, entry["id"])
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    f'SELECT event_type, envelope FROM "{tenant.schema}".outbox '
                    "WHERE aggregate_type <> 'Company' ORDER BY id"
                )
            )
        ).all()
    types = [r.event_type for r in rows]
    assert types == [
        "FiscalYearCreated",
        "JournalEntryCreated",
        "TransactionPosted",
        "JournalEntryReversed",
        "JournalEntryCreated",
        "TransactionPosted",
    ]
    assert {r.envelope["payload"]["companyId"] for r in rows} == {books.company_id}
    posted = rows[2].envelope["payload"]
    assert posted["entryNumber"] == "JE-2026-000001" and posted["totalAmount"] == "10.0000"
    assert Decimal(posted["lines"][0]["baseDebit"]) == Decimal("10")
    reversed_ = rows[3].envelope["payload"]
    assert (reversed_["entryNumber"], reversed_["reversalEntryNumber"]) == (
        "JE-2026-000001",
        "JE-2026-000002",
    )
    assert rows[5].envelope["payload"]["entryNumber"] == "JE-2026-000002"
    # Each number is drawn in the statement that writes the events and the audit row, where a
    # stand-in held its place (db/driver_path/statement_parts.py): none may be left, and the
    # chain holds.
    async with engine.connect() as conn:
        audited = (
            await conn.execute(
                text("SELECT string_agg(changes::text, ' ') FROM shared.audit_log"
                     " WHERE tenant_id = :t"),
                {"t": tenant.id},
            )
        ).scalar_one()  # fmt: skip
    assert "JE-2026-000002" in audited and "@@entry-number" not in audited
    assert not any("@@entry-number" in json.dumps(r.envelope) for r in rows)
    verified = await gql.data("{ verifyAuditChain { ok reason } }", None, tenant.token)
    assert verified["verifyAuditChain"] == {"ok": True, "reason": None}
