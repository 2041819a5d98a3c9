"""CSV (or XLSX) statements with a column mapping: the file is read as the imports read theirs
(encoding, byte-order mark and delimiter checked: domain/imports/files.py)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from domain.banking.commands import CsvMapping
from domain.banking.statement import ParsedLine, ParsedStatement, StatementError, derived_bank_ref
from domain.imports.files import read_sheet
from domain.shared.errors import DomainError, ErrorCode, FieldError

MAX_ROW_ERRORS = 20
_CREDIT = frozenset({"cr", "c", "credit", "crdt", "in", "+"})
_DEBIT = frozenset({"dr", "d", "debit", "dbit", "out", "-"})


def _key(name: str) -> str:
    return " ".join(name.lower().split())


def _amount(raw: str, decimal_comma: bool) -> Decimal | None:
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    text = text.replace(".", "").replace(",", ".") if decimal_comma else text.replace(",", "")
    text = re.sub(r"^[A-Z]{3}", "", text)  # "MYR1,000.00"
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(raw) from None
    if not value.is_finite():
        raise ValueError(raw)
    return -value if negative else value


def parse(content: bytes, mapping: CsvMapping) -> ParsedStatement:
    """Lines without a currency column are in "" (the bank account's, see `checked`)."""
    if mapping.amount is None and (mapping.debit is None or mapping.credit is None):
        raise StatementError(
            "Map either an amount column or both a debit and a credit column.", "csvMapping"
        )
    sheet = read_sheet(content, "statement")
    columns = {_key(h): i for i, h in enumerate(sheet.header)}
    wanted = {
        "date": mapping.date,
        "amount": mapping.amount,
        "debit": mapping.debit,
        "credit": mapping.credit,
        "direction": mapping.direction,
        "reference": mapping.reference,
        "counterparty": mapping.counterparty,
        "description": mapping.description,
        "bankRef": mapping.bank_ref,
        "currency": mapping.currency,
    }
    missing = [
        FieldError(
            ErrorCode.INVALID,
            f"The file has no column {name!r} (its columns: {', '.join(sheet.header)}).",
            f"csvMapping.{field}",
        )
        for field, name in wanted.items()
        if name is not None and _key(name) not in columns
    ]
    if missing:
        raise DomainError(missing)
    index = {f: columns[_key(n)] for f, n in wanted.items() if n is not None}
    errors: list[str] = []
    lines: list[ParsedLine] = []
    occurrences: dict[tuple[object, ...], int] = {}
    for row_number, row in enumerate(sheet.rows, 2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(field: str, row: list[str] = row) -> str:
            at = index.get(field)
            return row[at].strip() if at is not None and at < len(row) else ""

        try:
            booked = datetime.strptime(cell("date"), mapping.date_format).date()
        except ValueError:
            errors.append(f"Row {row_number}: {cell('date')!r} is not a date"
                          f" ({mapping.date_format}).")  # fmt: skip
            continue
        try:
            if mapping.amount is not None:
                amount = _amount(cell("amount"), mapping.decimal_comma)
                direction = cell("direction").lower()
                if amount is not None and direction in _CREDIT:
                    amount = abs(amount)
                elif amount is not None and direction in _DEBIT:
                    amount = -abs(amount)
                elif mapping.direction is not None:
                    raise ValueError(f"direction {cell('direction')!r}")
            else:
                credit = _amount(cell("credit"), mapping.decimal_comma) or Decimal(0)
                debit = _amount(cell("debit"), mapping.decimal_comma) or Decimal(0)
                amount = abs(credit) - abs(debit)
        except ValueError as exc:
            errors.append(f"Row {row_number}: {exc.args[0]!r} is not an amount.")
            continue
        if not amount:
            errors.append(f"Row {row_number}: no amount.")
            continue
        line = ParsedLine(
            booking_date=booked,
            amount=amount,
            currency=cell("currency").upper(),
            bank_ref=cell("bankRef"),
            reference=cell("reference"),
            counterparty=cell("counterparty"),
            description=cell("description"),
        )
        if not line.bank_ref:
            key = (line.booking_date, line.amount, line.reference, line.description)
            occurrences[key] = occurrences.get(key, 0) + 1
            line = ParsedLine(
                **{**line.__dict__, "bank_ref": derived_bank_ref(line, occurrences[key])}
            )
        lines.append(line)
    if errors:
        raise DomainError(
            [FieldError(ErrorCode.INVALID, m, "file") for m in errors[:MAX_ROW_ERRORS]]
        )
    if not lines:
        raise StatementError("The file has no statement lines.")
    currencies = {line.currency for line in lines}
    return ParsedStatement(
        currency=currencies.pop() if len(currencies) == 1 else "",
        lines=tuple(lines),
        opening_balance=mapping.opening_balance,
        closing_balance=mapping.closing_balance,
    )
