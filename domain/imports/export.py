"""Writing rows out as CSV or XLSX, with formula injection neutralised.

A text cell starting with = + - @ TAB or CR is prefixed with an apostrophe, so a spreadsheet
shows it as text instead of running it as a formula (OWASP's CSV injection advice). A plain
number (an amount like -12.50) is left alone: it cannot be a formula, and it stays a number.
The import side drops that apostrophe again (domain/imports/cells.py::unquoted)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum

from domain.imports.cells import FORMULA_STARTS

_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


def neutralised(value: str) -> str:
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def write(format: ExportFormat, header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    if format is ExportFormat.CSV:
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([neutralised(c) for c in row] for row in rows)
        return out.getvalue().encode("utf-8")
    from openpyxl import Workbook  # only an XLSX export needs it

    book = Workbook(write_only=True)
    sheet = book.create_sheet("export")
    sheet.append(list(header))
    for row in rows:
        # Written as text cells (data_type 's' through a plain str); openpyxl would treat a
        # leading '=' as a formula, hence the same neutralising as CSV.
        sheet.append([neutralised(c) for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
