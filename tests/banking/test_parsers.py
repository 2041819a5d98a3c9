"""Statement parsers on hand-written files shaped as the standards say (CAMT.053.001.02,
OFX 1.0.2 SGML and 2.2 XML, a bank's CSV export), and the files they must refuse."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.bank_statements import PARSERS
from domain.banking.commands import CsvMapping, StatementFormat
from domain.banking.statement import checked
from domain.shared.errors import DomainError, ErrorCode

FILES = Path(__file__).parent / "files"
CSV_MAPPING = CsvMapping(
    date="date",
    debit="Debit",
    credit="credit",
    description="Description",
    reference="Reference",
    date_format="%d/%m/%Y",
)


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def refused(format: StatementFormat, content: bytes, mapping: CsvMapping | None = None) -> str:
    with pytest.raises(DomainError) as caught:
        PARSERS.parse(format, content, mapping)
    return " ".join(e.message for e in caught.value.errors)


def test_camt053_booked_entries_signed_by_credit_debit_indicator() -> None:
    statement = PARSERS.parse(StatementFormat.CAMT053, read("camt053.xml"), None)
    assert statement.external_id == "STMT-2026-03-514012345678"
    assert statement.account_number == "514012345678"
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("0.00"),
        Decimal("1389.50"),
    )
    assert (statement.start_date, statement.end_date) == (date(2026, 3, 1), date(2026, 3, 31))
    assert [(x.amount, x.bank_ref) for x in statement.lines] == [
        (Decimal("1500.00"), "MBB2603160001"),
        (Decimal("-100.00"), "MBB2603200007"),
        (Decimal("-10.50"), "MBB2603310099"),
    ]  # the pending entry is not in the balances, so not imported
    receipt, bill, charge = statement.lines
    assert receipt.reference == "RCPT-2026-000001" and receipt.counterparty == "PELANGGAN C001"
    assert "INV-2026-000001" in receipt.description
    assert bill.counterparty == "TNB" and bill.reference == "ELECTRICITY MARCH"
    assert charge.description == "SERVICE CHARGE MAR 2026"
    assert checked(statement, "MYR").closing_balance == Decimal("1389.50")


def test_ofx_sgml_and_xml_read_alike_with_opening_worked_back_from_the_ledger_balance() -> None:
    v1 = checked(PARSERS.parse(StatementFormat.OFX, read("statement_v1.ofx"), None), "MYR")
    assert [(x.booking_date, x.amount, x.bank_ref) for x in v1.lines] == [
        (date(2026, 3, 5), Decimal("2500.00"), "CIMB-0305-001"),
        (date(2026, 3, 10), Decimal("-780.25"), "CIMB-0310-002"),
        (date(2026, 3, 31), Decimal("-5.00"), "CIMB-0331-003"),
    ]
    assert v1.lines[0].description == "INV 1042 & 1043"  # the SGML entity read as text
    assert v1.lines[1].reference == "000123"  # the cheque number
    assert (v1.opening_balance, v1.closing_balance) == (Decimal("10000.00"), Decimal("11714.75"))
    v2 = checked(PARSERS.parse(StatementFormat.OFX, read("statement_v2.ofx"), None), "MYR")
    assert [x.amount for x in v2.lines] == [Decimal("3.21"), Decimal("-1200.00")]
    assert (v2.opening_balance, v2.closing_balance) == (Decimal("1100.00"), Decimal("-96.79"))
    assert v2.lines[1].counterparty == "LANDLORD SDN BHD"
    assert v2.lines[1].description == "RENT APRIL"


def test_csv_with_mapping_and_stable_ids_for_identical_lines() -> None:
    first = PARSERS.parse(StatementFormat.CSV, read("statement.csv"), CSV_MAPPING)
    assert [(x.booking_date, x.amount) for x in first.lines] == [
        (date(2026, 3, 2), Decimal("1500.00")),
        (date(2026, 3, 5), Decimal("-10.50")),
        (date(2026, 3, 5), Decimal("-10.50")),
    ]
    assert {x.currency for x in checked(first, "MYR").lines} == {"MYR"}  # the account's
    refs = [x.bank_ref for x in first.lines]
    assert len(set(refs)) == 3  # two identical charges stay two lines
    again = PARSERS.parse(StatementFormat.CSV, read("statement.csv"), CSV_MAPPING)
    assert [x.bank_ref for x in again.lines] == refs  # and keep their ids in another export
    with_ids = CsvMapping(**{**CSV_MAPPING.__dict__, "bank_ref": "transaction id"})
    parsed = PARSERS.parse(StatementFormat.CSV, read("statement.csv"), with_ids)
    assert [x.bank_ref for x in parsed.lines] == ["T0001", "T0002", "T0003"]


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Document><BkToCstmrStmt><Stmt><Id>&lol2;</Id></Stmt></BkToCstmrStmt></Document>"""


@pytest.mark.parametrize(
    ("format", "content", "expected"),
    [
        (StatementFormat.CAMT053, XXE, "DOCTYPE"),
        (StatementFormat.CAMT053, LAUGHS, "DOCTYPE"),
        (StatementFormat.OFX, b'<?xml version="1.0"?>\n<!DOCTYPE OFX SYSTEM "http://x/">\n<OFX>'
         b"</OFX>", "DOCTYPE"),
        (StatementFormat.CAMT053, b"<Document><BkToCstmrStmt><Stmt>", "not well-formed"),
        (StatementFormat.CAMT053, b"<Invoice/>", "not a CAMT.053"),
        (StatementFormat.OFX, b"OFXHEADER:100\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS>"
         b"<CURDEF>MYR", "not closed"),
        (StatementFormat.OFX, b"%PDF-1.7 not a statement", "not an OFX"),
        (StatementFormat.OFX, read("statement_v1.ofx").replace(b"-780.25", b"abc"),
         "not an amount"),
    ],
)  # fmt: skip
def test_malformed_and_entity_declaring_files_are_refused(
    format: StatementFormat, content: bytes, expected: str
) -> None:
    assert expected in refused(format, content)


def test_csv_with_missing_columns_names_each_one() -> None:
    mapping = CsvMapping(date="Posting Date", amount="Amount")
    with pytest.raises(DomainError) as caught:
        PARSERS.parse(StatementFormat.CSV, read("statement.csv"), mapping)
    assert {e.field for e in caught.value.errors} == {"csvMapping.date", "csvMapping.amount"}


def test_balances_that_do_not_add_up_and_a_foreign_currency_are_refused() -> None:
    wrong = read("camt053.xml").replace(b">1389.50<", b">1389.49<")
    with pytest.raises(DomainError) as caught:
        checked(PARSERS.parse(StatementFormat.CAMT053, wrong, None), "MYR")
    assert caught.value.errors[0].code is ErrorCode.UNBALANCED
    parsed = PARSERS.parse(StatementFormat.CAMT053, read("camt053.xml"), None)
    with pytest.raises(DomainError) as caught:
        checked(parsed, "SGD")
    assert caught.value.errors[0].field == "bankAccountId"
