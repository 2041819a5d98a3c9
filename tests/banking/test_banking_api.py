"""Bank statements end to end through GraphQL: import (multipart upload), auto-match, manual
match and unmatch, an entry created from a line, the reconciliation report, refused files,
and another tenant that can reach none of it."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.identity.builtin_roles import VIEWER
from tests.accounting.api import count, custom_role, invite
from tests.banking.api import (
    AUTO_MATCH,
    CREATE_ENTRY,
    FILES,
    IMPORT,
    MATCH,
    RECONCILIATION,
    STATEMENT_QUERY,
    STATEMENTS,
    UNMATCH,
    camt053,
    import_statement,
)
from tests.conftest import GraphQLClient, StatementLog, TenantHandle
from tests.sales.api import Sales

BANKING_TABLES = ("bank_statements", "bank_statement_lines", "bank_line_matches", "transactions")


async def rows(engine: AsyncEngine, schema: str) -> dict[str, int]:
    return {t: await count(engine, schema, t) for t in BANKING_TABLES}


async def reconciliation(gql: GraphQLClient, token: str, account: str, statement: str) -> Any:
    data = await gql.data(RECONCILIATION, {"account": account, "statement": statement}, token)
    return data["bankReconciliation"]


def by_ref(statement: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["bankRef"]: line for line in statement["lines"]}


async def test_import_match_create_entry_and_reconcile(
    gql: GraphQLClient, tenant: TenantHandle, other_tenant: TenantHandle, engine: AsyncEngine
) -> None:
    sales = await Sales.open(gql, tenant)
    books = sales.books
    bank = books.id("1110")
    customer = await sales.customer("C001")
    paid = await sales.pay(customer["id"], "1500.00", paymentDate="2026-03-15")
    assert paid["errors"] == [], paid
    payment = paid["payment"]
    electricity = await books.entry(
        [("6300", "debit", "100.00"), ("1110", "credit", "100.00")],
        date="2026-03-19",
        reference="TNB-MAR",
    )
    cheque = await books.entry(  # written, not yet presented: outstanding at the end
        [("6200", "debit", "700.00"), ("1110", "credit", "700.00")], date="2026-03-30"
    )
    content = camt053(
        [
            ("2026-03-16", "1500.00", "B1", f"PAYMENT {payment['number']} PELANGGAN C001"),
            ("2026-03-20", "-100.00", "B2", "TNB ELECTRICITY"),
            ("2026-03-31", "-10.50", "B3", "SERVICE CHARGE"),
        ]
    )
    imported = await import_statement(gql, tenant.token, bank, content, "CAMT053")
    assert imported["errors"] == [], imported
    statement = imported["statement"]
    assert (statement["closingBalance"], statement["lineCount"]) == ("1389.5000", 3)
    assert (imported["autoMatched"], imported["duplicateLines"]) == (2, 0)
    lines = by_ref(statement)
    assert lines["B1"]["matches"][0]["journalEntryId"] == payment["journalEntryId"]
    assert lines["B2"]["matches"][0]["journalEntryId"] == electricity["journalEntry"]["id"]
    assert lines["B3"]["matched"] is False
    open_only = await gql.data(
        "query($id: ID!) { bankStatement(id: $id) { lines(matched: false) { bankRef } } }",
        {"id": statement["id"]},
        tenant.token,
    )
    assert open_only["bankStatement"]["lines"] == [{"bankRef": "B3"}]

    report = await reconciliation(gql, tenant.token, bank, statement["id"])
    assert report["bookBalance"] == "700.0000"  # 1500 - 100 - 700
    assert [x["bankRef"] for x in report["unmatchedBankLines"]] == ["B3"]
    assert [x["journalEntryId"] for x in report["unmatchedBookLines"]] == [
        cheque["journalEntry"]["id"]
    ]
    assert (report["difference"], report["reconciled"]) == ("0.0000", False)

    # The bank charge the books miss: posted through the journal's rules, and matched.
    created = (
        await gql.data(
            CREATE_ENTRY,
            {"input": {"lineId": lines["B3"]["id"], "accountId": books.id("6700")}},
            tenant.token,
        )
    )["createEntryFromBankLine"]
    assert created["errors"] == [], created
    entry = created["journalEntry"]
    assert (entry["status"], entry["postingDate"], entry["totalAmount"]) == (
        "POSTED", "2026-03-31", "10.5000",
    )  # fmt: skip
    assert {(x["accountId"], x["credit"]) for x in entry["lines"] if x["credit"] != "0.0000"} == {
        (bank, "10.5000")
    }
    assert created["line"]["matchKind"] == "CREATED"
    report = await reconciliation(gql, tenant.token, bank, statement["id"])
    assert report["unmatchedBankLines"] == []
    assert (report["bookBalance"], report["unmatchedBookTotal"]) == ("689.5000", "-700.0000")
    assert report["statementBalance"] == "1389.5000" and report["difference"] == "0.0000"

    # Unmatch, a wrong manual match refused, the right one (several lines summing to it).
    unmatched = (await gql.data(UNMATCH, {"input": {"lineId": lines["B2"]["id"]}}, tenant.token))[
        "unmatchBankLine"
    ]
    assert unmatched["errors"] == [] and unmatched["line"]["matches"] == []
    wrong = (
        await gql.data(
            MATCH,
            {"input": {"lineId": lines["B2"]["id"],
                       "targets": [{"journalEntryId": cheque["journalEntry"]["id"]}]}},
            tenant.token,
        )
    )["matchBankLine"]  # fmt: skip
    assert [e["field"] for e in wrong["errors"]] == ["targets"]
    part = await books.entry(
        [("6300", "debit", "40.00"), ("1110", "credit", "40.00")], date="2026-03-20"
    )
    rest = await books.entry(
        [("6300", "debit", "60.00"), ("1110", "credit", "60.00")], date="2026-03-21"
    )
    await gql.data(  # the first 100 was a mistake: reversed out of the books
        "mutation($input: ReverseJournalEntryInput!) { reverseJournalEntry(input: $input)"
        " { errors { code } } }",
        {"input": {"id": electricity["journalEntry"]["id"]}},
        tenant.token,
    )
    split = (
        await gql.data(
            MATCH,
            {"input": {"lineId": lines["B2"]["id"], "targets": [
                {"journalEntryId": part["journalEntry"]["id"]},
                {"journalEntryId": rest["journalEntry"]["id"]}]}},
            tenant.token,
        )
    )["matchBankLine"]  # fmt: skip
    assert split["errors"] == [], split
    assert sorted(m["amount"] for m in split["line"]["matches"]) == ["-40.0000", "-60.0000"]
    report = await reconciliation(gql, tenant.token, bank, statement["id"])
    assert report["difference"] == "0.0000"
    # The reversed 100 and its reversal never reached the bank: not outstanding either.
    assert [x["journalEntryId"] for x in report["unmatchedBookLines"]] == [
        cheque["journalEntry"]["id"]
    ]
    assert Decimal(report["bookBalance"]) + Decimal(report["unmatchedBankTotal"]) - Decimal(
        report["unmatchedBookTotal"]
    ) == Decimal(report["statementBalance"])

    # The same file again: refused, nothing written. A later file with an overlapping line:
    # the known line is skipped, the new one imported.
    before = await rows(engine, tenant.schema)
    again = await import_statement(gql, tenant.token, bank, content, "CAMT053")
    assert [e["code"] for e in again["errors"]] == ["DUPLICATE"] and again["statement"] is None
    assert await rows(engine, tenant.schema) == before
    overlapping = camt053(
        [("2026-03-31", "-10.50", "B3", "SERVICE CHARGE"), ("2026-04-02", "5.00", "B4", "INT")],
        opening="1400.00", start="2026-03-31", end="2026-04-30", statement_id="STMT-2",
    )  # fmt: skip
    later = await import_statement(gql, tenant.token, bank, overlapping, "CAMT053")
    assert later["errors"] == [], later
    assert (later["duplicateLines"], [x["bankRef"] for x in later["statement"]["lines"]]) == (
        1, ["B4"],
    )  # fmt: skip

    # Another tenant reaches none of it: not the statement, the report, the lines, the
    # account, nor A's entries from a line of its own.
    other = await Sales.open(gql, other_tenant)
    token = other_tenant.token
    assert (await gql.data(STATEMENT_QUERY, {"id": statement["id"]}, token))[
        "bankStatement"
    ] is None
    assert (await gql.data(STATEMENTS, {"account": bank}, token))["bankStatements"] == []
    assert await reconciliation(gql, token, bank, statement["id"]) is None
    foreign = (
        await gql.data(
            MATCH,
            {"input": {"lineId": lines["B1"]["id"],
                       "targets": [{"journalEntryId": payment["journalEntryId"]}]}},
            token,
        )
    )["matchBankLine"]  # fmt: skip
    assert [e["code"] for e in foreign["errors"]] == ["NOT_FOUND"]
    into_a = await import_statement(gql, token, bank, camt053([], statement_id="X"), "CAMT053")
    assert [e["code"] for e in into_a["errors"]] == ["NOT_FOUND"]
    own = await import_statement(
        gql, token, other.books.id("1110"),
        camt053([("2026-03-16", "1500.00", "B1", "X")]), "CAMT053",
    )  # fmt: skip
    assert own["errors"] == [], own
    to_a = (
        await gql.data(
            MATCH,
            {"input": {"lineId": own["statement"]["lines"][0]["id"],
                       "targets": [{"journalEntryId": payment["journalEntryId"]}]}},
            token,
        )
    )["matchBankLine"]  # fmt: skip
    assert [e["code"] for e in to_a["errors"]] == ["NOT_FOUND"]
    assert await rows(engine, tenant.schema) == {**before, "bank_statements": 2,
                                                  "bank_statement_lines": 4}  # fmt: skip


async def test_refused_files_write_nothing(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    books = (await Sales.open(gql, tenant)).books
    bank = books.id("1110")
    before = await rows(engine, tenant.schema)
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<Document><BkToCstmrStmt><Stmt><Id>&x;</Id></Stmt></BkToCstmrStmt></Document>"
    )
    cases: list[tuple[bytes, str, dict[str, Any] | None, str]] = [
        (xxe, "CAMT053", None, "file"),
        (b"<Document><BkToCstmrStmt>", "CAMT053", None, "file"),
        (camt053([("2026-03-02", "9.00", "S1", "X")], currency="SGD"), "CAMT053", None,
         "bankAccountId"),
        (camt053([("2026-03-02", "9.00", "S1", "X")]).replace(b">9.00<", b">9.01<", 1),
         "CAMT053", None, "file"),
        (b"OFXHEADER:100\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>MYR", "OFX", None,
         "file"),
        ((FILES / "statement.csv").read_bytes(), "CSV",
         {"date": "Posted", "amount": "Amount"}, "csvMapping.date"),
    ]  # fmt: skip
    for content, format, mapping, field in cases:
        refused = await import_statement(
            gql, tenant.token, bank, content, format, csv_mapping=mapping
        )
        assert refused["statement"] is None
        assert field in [e["field"] for e in refused["errors"]], (format, refused)
    not_a_bank = await import_statement(gql, tenant.token, books.id("6700"), camt053([]), "CAMT053")
    assert [e["field"] for e in not_a_bank["errors"]] == ["bankAccountId"]
    assert await rows(engine, tenant.schema) == before


async def test_reconciliation_identity_on_random_books_and_statements(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    """Random entries on the bank account, a CSV statement with a random part of them (a day
    or two later, some rounded into one deposit) and bank-only lines: whatever auto-match
    decides, book balance + unmatched bank - unmatched book = statement balance."""
    rng = random.Random(14)
    books = (await Sales.open(gql, tenant)).books
    bank = books.id("1110")
    csv_rows = ["date,amount,text"]
    for n in range(8):
        amount = Decimal(rng.randint(1, 90_000)) / 100
        day = 3 + n * 3
        money_in = rng.random() < 0.5
        payload = await books.entry(
            [("1110", "debit" if money_in else "credit", str(amount)),
             ("4100" if money_in else "6300", "credit" if money_in else "debit", str(amount))],
            date=f"2026-03-{day:02d}", reference=f"R{n}",
        )  # fmt: skip
        assert payload["errors"] == [], payload
        if rng.random() < 0.7:
            signed = amount if money_in else -amount
            csv_rows.append(f"2026-03-{day + rng.randint(0, 2):02d},{signed},R{n}")
    for _ in range(3):
        csv_rows.append(f"2026-03-{rng.randint(1, 28):02d},{rng.randint(-999, 999) / 100},FEE")
    content = "\n".join(csv_rows).encode()
    imported = await import_statement(
        gql, tenant.token, bank, content, "CSV",
        csv_mapping={"date": "date", "amount": "amount", "reference": "text"},
    )  # fmt: skip
    assert imported["errors"] == [], imported
    assert imported["autoMatched"] >= 1
    statement = imported["statement"]
    report = await reconciliation(gql, tenant.token, bank, statement["id"])
    identity = (
        Decimal(report["bookBalance"])
        + Decimal(report["unmatchedBankTotal"])
        - Decimal(report["unmatchedBookTotal"])
    )
    assert identity == Decimal(report["statementBalance"]) == Decimal(statement["closingBalance"])
    assert report["difference"] == "0.0000"
    assert sum(Decimal(x["amount"]) for x in report["unmatchedBankLines"]) == Decimal(
        report["unmatchedBankTotal"]
    )
    again = (await gql.data(AUTO_MATCH, {"input": {"bankAccountId": bank}}, tenant.token))[
        "autoMatchBankLines"
    ]
    assert again["errors"] == [] and again["matched"] == 0  # nothing new to decide


async def test_an_entry_from_a_line_follows_the_journal_posting_rules(
    gql: GraphQLClient, tenant: TenantHandle, engine: AsyncEngine
) -> None:
    """Amount conditions on journal:post, the period, and a read-only user apply to
    createEntryFromBankLine as to createJournalEntry(post: true); a refusal writes nothing."""
    books = (await Sales.open(gql, tenant)).books
    bank = books.id("1110")
    content = camt053(
        [("2025-12-31", "-20.00", "C0", "FEE 2025"), ("2026-03-05", "-10.50", "C1", "FEE"),
         ("2026-03-06", "-100.00", "C2", "FEE")],
        start="2025-12-01",
    )  # fmt: skip
    imported = await import_statement(gql, tenant.token, bank, content, "CAMT053")
    assert imported["errors"] == [], imported
    lines = by_ref(imported["statement"])
    role = await custom_role(
        gql, tenant, "Bank Clerk",
        [{"resource": "journal", "action": "read"}, {"resource": "journal", "action": "create"},
         {"resource": "journal", "action": "post",
          "conditions": [{"kind": "AMOUNT_AT_MOST", "value": "50.00"}]}],
    )  # fmt: skip
    clerk = await invite(gql, tenant, roles=(role,), companies=(books.company_id,))
    viewer = await invite(gql, tenant, roles=(str(VIEWER.id),), companies=(books.company_id,))

    async def book(ref: str, token: str) -> dict[str, Any]:
        variables = {"input": {"lineId": lines[ref]["id"], "accountId": books.id("6700")}}
        return dict((await gql.data(CREATE_ENTRY, variables, token))["createEntryFromBankLine"])

    before = await rows(engine, tenant.schema)
    assert [e["code"] for e in (await book("C2", clerk))["errors"]] == ["FORBIDDEN"]
    assert [e["code"] for e in (await book("C0", tenant.token))["errors"]] == ["PERIOD_CLOSED"]
    variables = {"input": {"lineId": lines["C1"]["id"], "accountId": books.id("6700")}}
    denied = await gql(CREATE_ENTRY, variables, viewer)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await rows(engine, tenant.schema) == before
    done = await book("C1", clerk)
    assert done["errors"] == [] and done["line"]["matchKind"] == "CREATED"


async def test_a_string_where_the_file_belongs_is_a_typed_error(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = (await Sales.open(gql, tenant)).books
    variables = {"input": {"bankAccountId": books.id("1110"), "file": "not a file",
                           "format": "CAMT053"}}  # fmt: skip
    payload = (await gql.data(IMPORT, variables, tenant.token))["importBankStatement"]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("REQUIRED", "file")]


async def test_a_first_statements_opening_balance_stands_for_the_books_before_it(
    gql: GraphQLClient, tenant: TenantHandle
) -> None:
    books = (await Sales.open(gql, tenant)).books
    bank = books.id("1110")
    for day, amount in (("2026-01-05", "1200.00"), ("2026-02-10", "-200.00")):
        side, other = ("debit", "credit") if amount[0] != "-" else ("credit", "debit")
        payload = await books.entry(
            [("1110", side, amount.lstrip("-")), ("3100", other, amount.lstrip("-"))], date=day
        )
        assert payload["errors"] == [], payload
    content = camt053([("2026-03-03", "-50.00", "O1", "FEE")], opening="1000.00")
    imported = await import_statement(gql, tenant.token, bank, content, "CAMT053")
    assert imported["errors"] == [], imported
    opening = imported["statement"]["lines"][0]
    assert (opening["kind"], opening["amount"], opening["bookingDate"]) == (
        "OPENING", "1000.0000", "2026-02-28",
    )  # fmt: skip
    assert opening["matchKind"] == "AUTO" and len(opening["matches"]) == 2
    report = await reconciliation(gql, tenant.token, bank, imported["statement"]["id"])
    assert [x["bankRef"] for x in report["unmatchedBankLines"]] == ["O1"]
    assert report["unmatchedBookLines"] == [] and report["difference"] == "0.0000"


async def test_a_statement_with_its_lines_matches_and_suggestions_reads_in_fixed_statements(
    gql: GraphQLClient, tenant: TenantHandle, sql_log: StatementLog
) -> None:
    books = (await Sales.open(gql, tenant)).books
    bank = books.id("1110")
    for n in range(3):  # two alike (suggestions) and one to match
        amount = "70.00" if n < 2 else "90.00"
        payload = await books.entry(
            [("1110", "debit", amount), ("4100", "credit", amount)], date="2026-03-10"
        )
        assert payload["errors"] == [], payload
    lines = [(f"2026-03-{10 + n % 3:02d}", "70.00", f"N{n}", "X") for n in range(6)]
    content = camt053([*lines, ("2026-03-11", "90.00", "M", "Y")])
    imported = await import_statement(gql, tenant.token, bank, content, "CAMT053")
    assert imported["errors"] == [] and imported["autoMatched"] == 1, imported
    sql_log.statements.clear()
    data = await gql.data(STATEMENT_QUERY, {"id": imported["statement"]["id"]}, tenant.token)
    assert len(data["bankStatement"]["lines"]) == 7
    assert sum(len(x["suggestions"]) for x in data["bankStatement"]["lines"]) == 6 * 2
    # statement, its lines, their matches, their suggestions: one each, whatever the count
    assert len(sql_log.touching(tenant.schema)) == 4, sql_log.touching(tenant.schema)
