"""Reading an uploaded file into a header and rows of text cells.

CSV: UTF-8 with or without a byte-order mark, or UTF-16 with one; anything else is refused
naming the encoding problem (a spreadsheet's "CSV" in Windows-1252 is the usual one). The
delimiter is whichever of `, ; TAB |` splits the first lines into the same number of fields.
XLSX (and the other workbooks python-calamine reads): the first sheet. The content decides the
format, not the file's name; a file that is neither is refused as a wrong file type.

Every cell becomes text (numbers without float noise, dates as YYYY-MM-DD), so one set of cell
parsers serves both formats.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from domain.shared.errors import DomainError, ErrorCode, FieldError

DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = 20
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
_NOT_TABULAR = {  # signatures of files people upload by mistake
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}


class FileProblem(StrEnum):
    """Why a file as a whole is refused (the payload error's `reason`)."""

    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    FILE_TYPE = "FILE_TYPE"
    ENCODING = "ENCODING"
    DELIMITER = "DELIMITER"
    EMPTY = "EMPTY"
    UNKNOWN_COLUMN = "UNKNOWN_COLUMN"
    MISSING_COLUMN = "MISSING_COLUMN"
    DUPLICATE_COLUMN = "DUPLICATE_COLUMN"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"


@dataclass(frozen=True)
class ImportFieldError(FieldError):
    """A FieldError that also says which file problem it is."""

    reason: FileProblem | None = None


def file_error(
    reason: FileProblem, message: str, code: ErrorCode = ErrorCode.INVALID
) -> DomainError:
    return DomainError([ImportFieldError(code, message, "file", reason)])


def file_errors(problems: Iterable[tuple[FileProblem, str]]) -> DomainError:
    return DomainError([ImportFieldError(ErrorCode.INVALID, m, "file", r) for r, m in problems])


@dataclass(frozen=True)
class Sheet:
    """The header and the data rows; `rows[i]` is the file's row `i + 2` (row 1: header).
    Blank rows are kept as empty lists, so row numbers stay those a spreadsheet shows."""

    format: str  # csv | xlsx
    header: list[str]
    rows: list[list[str]]
    delimiter: str | None = None


def read_sheet(data: bytes, file_name: str) -> Sheet:
    if data.startswith(_ZIP) or data.startswith(_OLE):
        return _read_workbook(data)
    for signature, what in _NOT_TABULAR.items():
        if data.startswith(signature):
            raise file_error(
                FileProblem.FILE_TYPE,
                f"{file_name} is {what}, not a CSV or XLSX file.",
            )
    text = _decode(data, file_name)
    return _read_csv(text, file_name)


def _decode(data: bytes, file_name: str) -> str:
    if data.startswith(b"\xff\xfe\x00\x00") or data.startswith(b"\x00\x00\xfe\xff"):
        raise file_error(
            FileProblem.ENCODING,
            f"{file_name} is UTF-32; save it as UTF-8 (or UTF-16 with a byte-order mark).",
        )
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise file_error(
                FileProblem.ENCODING,
                f"{file_name} starts with a UTF-16 byte-order mark but is not valid UTF-16 "
                f"(at byte {exc.start}).",
            ) from exc
    bom = data.startswith(b"\xef\xbb\xbf")
    if not bom and b"\x00" in data[:4096]:
        raise file_error(
            FileProblem.ENCODING,
            f"{file_name} looks like UTF-16 without a byte-order mark (it has NUL bytes); save "
            "it as UTF-8, or as UTF-16 with a byte-order mark.",
        )
    try:
        return data.decode("utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise file_error(
            FileProblem.ENCODING,
            f"{file_name} is not UTF-8: byte 0x{byte:02X} on line {line} is not valid UTF-8 "
            "(Windows-1252 or Latin-1, as some spreadsheets save 'CSV'?). Save it as "
            "'CSV UTF-8', or UTF-16 with a byte-order mark.",
        ) from exc


def _sniff(text: str, file_name: str) -> str:
    """The candidate that splits the header into the most fields, the next lines alike."""
    lines = [line for line in text.splitlines()[:_SNIFF_LINES] if line.strip()]
    if not lines:
        raise file_error(FileProblem.EMPTY, f"{file_name} has no header row.")
    best: tuple[int, str] | None = None
    for delimiter in DELIMITERS:
        try:
            records = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
        except csv.Error:
            continue
        width = len(records[0])
        if width < 2:
            continue
        consistent = all(len(r) == width for r in records[1:-1] if r)  # last may be cut
        score = width if consistent else 0
        if score and (best is None or score > best[0]):
            best = (score, delimiter)
    if best is None and not re.search(r"[ :~^/]", lines[0].strip()):
        return ","  # one column: the header check names what is missing
    if best is None:
        raise file_error(
            FileProblem.DELIMITER,
            f"{file_name}: no delimiter found; the columns are separated by one of "
            "comma, semicolon, tab or '|', the same on every line.",
        )
    return best[1]


def _read_csv(text: str, file_name: str) -> Sheet:
    delimiter = _sniff(text, file_name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise file_error(
            FileProblem.FILE_TYPE, f"{file_name}: not a readable CSV file ({exc})."
        ) from exc
    header, *rows = records
    return Sheet("csv", [h.strip() for h in header], _blank_trimmed(rows), delimiter)


def _read_workbook(data: bytes) -> Sheet:
    # Imported here: only an uploaded workbook needs the reader.
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not book.sheet_names:
            raise file_error(FileProblem.EMPTY, "The workbook has no sheet.")
        cells = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except DomainError:
        raise
    except Exception as exc:  # the reader's many errors (zip, xml, password) mean the same
        raise file_error(
            FileProblem.FILE_TYPE, f"Not a readable XLSX workbook ({type(exc).__name__})."
        ) from exc
    rows = [[cell_text(c) for c in row] for row in cells]
    while rows and not any(rows[0]):
        rows.pop(0)  # a sheet may start lower; its first non-empty row is the header
    if not rows:
        raise file_error(FileProblem.EMPTY, "The workbook's first sheet is empty.")
    header, *data_rows = rows
    return Sheet("xlsx", [h.strip() for h in header], _blank_trimmed(data_rows))


def _blank_trimmed(rows: Sequence[list[str]]) -> list[list[str]]:
    out = [row if any(c.strip() for c in row) else [] for row in rows]
    while out and not out[-1]:
        out.pop()
    return out


def cell_text(value: object) -> str:
    """A workbook cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
