"""ISO 20022 CAMT.053 (bank-to-customer statement), versions .001.02 to .001.08.

One `Stmt` per file. Booked entries only (`Sts` BOOK; pending ones are not in the balances).
Signs from `CdtDbtInd`: CRDT is money in (+), DBIT money out (-), for entries and balances.
Opening balance: OPBD (or PRCD, the previous closing); closing: CLBD.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from adapters.bank_statements.safe_xml import Node
from adapters.bank_statements.safe_xml import parse as parse_xml
from domain.banking.statement import ParsedLine, ParsedStatement, StatementError, derived_bank_ref

OPENING_CODES = ("OPBD", "PRCD")
CLOSING_CODE = "CLBD"


def _amount(node: Node | None, where: str) -> tuple[Decimal, str]:
    if node is None:
        raise StatementError(f"{where}: no Amt.")
    try:
        value = Decimal(node.text.strip())
    except InvalidOperation:
        raise StatementError(f"{where}: amount {node.text.strip()!r} is not a number.") from None
    if not value.is_finite() or value < 0:
        raise StatementError(f"{where}: amount {node.text.strip()!r} is not a positive number.")
    currency = node.attrs.get("Ccy", "").strip().upper()
    if len(currency) != 3:
        raise StatementError(f"{where}: the amount has no currency (Ccy).")
    return value, currency


def _signed(value: Decimal, indicator: str, where: str) -> Decimal:
    if indicator == "CRDT":
        return value
    if indicator == "DBIT":
        return -value
    raise StatementError(f"{where}: CdtDbtInd is {indicator!r}, not CRDT or DBIT.")


def _date(node: Node, path: str, where: str) -> date | None:
    """`path/Dt`, or the date of `path/DtTm`."""
    return _iso(node.value(f"{path}/Dt") or node.value(f"{path}/DtTm"), where)


def _iso(text: str, where: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise StatementError(f"{where}: {text!r} is not a date.") from None


def _status(entry: Node) -> str:
    return (entry.value("Sts/Cd") or entry.value("Sts")).upper()


def _party(details: Node | None, credit: bool) -> str:
    if details is None:
        return ""
    role = "Dbtr" if credit else "Cdtr"  # who paid us, or whom we paid
    return details.value(f"RltdPties/{role}/Nm") or details.value(f"RltdPties/{role}/Pty/Nm")


def _entry(entry: Node, number: int, occurrences: dict[tuple[object, ...], int]) -> ParsedLine:
    where = f"Ntry {number}"
    value, currency = _amount(entry.find("Amt"), where)
    amount = _signed(value, entry.value("CdtDbtInd"), where)
    booked = _date(entry, "BookgDt", where) or _date(entry, "ValDt", where)
    if booked is None:
        raise StatementError(f"{where}: no booking date.")
    details = entry.find("NtryDtls/TxDtls")
    remittance = ""
    reference = ""
    if details is not None:
        remittance = " ".join(n.text.strip() for n in details.findall("RmtInf/Ustrd"))
        reference = (
            details.value("RmtInf/Strd/CdtrRefInf/Ref")
            or details.value("Refs/EndToEndId").replace("NOTPROVIDED", "")
            or details.value("Refs/InstrId")
        )
    description = " ".join(x for x in (remittance, entry.value("AddtlNtryInf")) if x)
    bank_ref = (
        entry.value("AcctSvcrRef")
        or (details.value("Refs/AcctSvcrRef") if details is not None else "")
        or entry.value("NtryRef")
    )
    line = ParsedLine(
        booking_date=booked,
        value_date=_date(entry, "ValDt", where),
        amount=amount,
        currency=currency,
        bank_ref=bank_ref,
        reference=reference or remittance,
        counterparty=_party(details, amount > 0),
        description=description,
    )
    if not bank_ref:  # no id from the bank: one derived from what the line says
        key = (line.booking_date, line.amount, line.reference, line.description)
        occurrences[key] = occurrences.get(key, 0) + 1
        line = ParsedLine(**{**line.__dict__, "bank_ref": derived_bank_ref(line, occurrences[key])})
    return line


def parse(content: bytes) -> ParsedStatement:
    root = parse_xml(content)
    if root.tag != "Document" or root.find("BkToCstmrStmt") is None:
        raise StatementError("This is not a CAMT.053 document (Document/BkToCstmrStmt).")
    statements = list(root.findall("BkToCstmrStmt/Stmt"))
    if len(statements) != 1:
        raise StatementError(f"The file holds {len(statements)} statements; import one per file.")
    stmt = statements[0]
    currency = stmt.value("Acct/Ccy").upper()
    opening: Decimal | None = None
    closing: Decimal | None = None
    opening_date = closing_date = None
    for number, balance in enumerate(stmt.findall("Bal"), 1):
        code = balance.value("Tp/CdOrPrtry/Cd").upper()
        where = f"Bal {number} ({code})"
        value, balance_currency = _amount(balance.find("Amt"), where)
        signed = _signed(value, balance.value("CdtDbtInd"), where)
        currency = currency or balance_currency
        if balance_currency != currency:
            raise StatementError(f"{where}: in {balance_currency}, the account in {currency}.")
        if code in OPENING_CODES and opening is None:
            opening, opening_date = signed, _date(balance, "Dt", where)
        elif code == CLOSING_CODE:
            closing, closing_date = signed, _date(balance, "Dt", where)
    if closing is None:
        raise StatementError("The statement has no closing booked balance (CLBD).")
    occurrences: dict[tuple[object, ...], int] = {}
    lines: list[ParsedLine] = []
    skipped = 0
    for number, entry in enumerate(stmt.findall("Ntry"), 1):
        if _status(entry) not in ("BOOK", ""):
            skipped += 1
            continue
        lines.append(_entry(entry, number, occurrences))
    if not currency and lines:
        currency = lines[0].currency
    start = _iso(stmt.value("FrToDt/FrDtTm"), "FrToDt/FrDtTm")
    end = _iso(stmt.value("FrToDt/ToDtTm"), "FrToDt/ToDtTm")
    dates = [line.booking_date for line in lines]
    if start is None:
        start = min(dates, default=opening_date or closing_date)
    if end is None:
        end = closing_date or max(dates, default=start)
    return ParsedStatement(
        currency=currency,
        lines=tuple(lines),
        opening_balance=opening,
        closing_balance=closing,
        start_date=start,
        end_date=end,
        external_id=stmt.value("Id") or None,
        account_number=stmt.value("Acct/Id/IBAN") or stmt.value("Acct/Id/Othr/Id") or None,
        warnings=(f"{skipped} pending entries left out",) if skipped else (),
    )
