"""A kind's row schema and the one validation loop every kind goes through.

A kind declares its columns (header, cell parser, required) and a `build` that turns a row's
typed values into the domain object the API's own command would create — calling the same
model constructors (Customer.create, Supplier.create, Product.create, the chart's
open_account), so an import is refused exactly where the API would refuse. The loop adds what
only a file has: header matching, duplicate keys within the file, and keys the books already
hold (given by the committing side in `Books`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.imports.cells import CellError, Parser
from domain.imports.files import FileProblem, Sheet, file_errors
from domain.jobs.model import JobKind, RowError
from domain.shared.errors import DomainError, ErrorCode


def header_key(name: str) -> str:
    """Headers match ignoring case, spaces, '_' and '-': "Tax Id", "tax_id", "taxId"."""
    return re.sub(r"[\s_\-]", "", name).lower()


@dataclass(frozen=True)
class Column:
    name: str  # as documented: the API's input field name
    parse: Parser
    required: bool = False


@dataclass
class Books:
    """What a kind's checks read from the company's books (loaded by db/imports)."""

    company_id: uuid.UUID
    currency_code: str  # the company's base currency, the default of a party's currency
    actor: uuid.UUID
    now: datetime
    taken: set[str] = field(default_factory=set)  # keys (codes, SKUs) the company already has
    extra: dict[str, Any] = field(default_factory=dict)  # a kind's own look-ups (the chart)


@dataclass(frozen=True)
class RowSchema:
    kind: JobKind
    resource: str  # the permission resource the API's create command checks
    columns: tuple[Column, ...]
    key: str | None  # the column unique within a company (a duplicate row is an error)
    build: Callable[[dict[str, Any], Books], Any]  # values by column name -> domain object
    key_of: Callable[[Any], str]
    batchable: bool = True  # False: one transaction for the whole file (rows refer to rows)
    help: str = ""
    # The permission actions the API's command checks on `resource` (posting needs both).
    actions: tuple[str, ...] = ("create",)
    # Whole-file rules once every row passed (an opening entry balances): the rows to commit
    # (accepted rows, or what they make together) and the problems, by row and column name.
    finish: (
        Callable[[list[tuple[int, Any]], Books], tuple[list[tuple[int, Any]], list[RowError]]]
        | None
    ) = None

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class Layout:
    """Which file column holds which schema column."""

    positions: dict[str, int]
    spelled: dict[str, str]  # schema column -> the header as the file spells it


def layout(schema: RowSchema, sheet: Sheet) -> Layout:
    known = {header_key(c.name): c.name for c in schema.columns}
    positions: dict[str, int] = {}
    spelled: dict[str, str] = {}
    problems: list[tuple[FileProblem, str]] = []
    for index, header in enumerate(sheet.header):
        if not header:
            continue
        name = known.get(header_key(header))
        if name is None:
            allowed = ", ".join(c.name for c in schema.columns)
            problems.append(
                (
                    FileProblem.UNKNOWN_COLUMN,
                    f"Unknown column '{header}'; the columns are {allowed}.",
                )
            )
        elif name in positions:
            problems.append((FileProblem.DUPLICATE_COLUMN, f"Column '{header}' appears twice."))
        else:
            positions[name], spelled[name] = index, header
    for column in schema.columns:
        if column.required and column.name not in positions:
            problems.append(
                (FileProblem.MISSING_COLUMN, f"The required column '{column.name}' is missing.")
            )
    if problems:
        raise file_errors(problems)
    return Layout(positions, spelled)


@dataclass
class Checked:
    """The rows that passed (file row number, domain object) and every problem found."""

    rows_total: int = 0
    accepted: list[tuple[int, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def data_rows(sheet: Sheet) -> Iterator[tuple[int, list[str]]]:
    for index, cells in enumerate(sheet.rows):
        if cells:
            yield index + 2, cells


def count_rows(sheet: Sheet) -> int:
    return sum(1 for cells in sheet.rows if cells)


def check_rows(
    schema: RowSchema,
    sheet: Sheet,
    books: Books,
    *,
    skip: int = 0,
    progress: Callable[[int, int], None] | None = None,
    every: int = 1000,
) -> Checked:
    """Every row checked; `skip` leaves out the first rows (committed before a resumed run)."""
    cells_of = layout(schema, sheet)
    checked = Checked(rows_total=count_rows(sheet))
    first_row_of: dict[str, int] = {}
    for seen, (row, cells) in enumerate(data_rows(sheet), 1):
        if seen <= skip:
            continue
        values, errors = _parse(schema, cells_of, row, cells)
        # The domain's rules run even when a cell did not parse (without that cell), so the
        # report lists every problem of the row, each column once.
        try:
            built = schema.build(values, books)
        except DomainError as exc:
            faulty = {e.column for e in errors}
            for e in exc.errors:
                column = _column_of(schema, cells_of, e.field)
                if column not in faulty or column is None:
                    errors.append(RowError(row, column, str(e.code), e.message))
        else:
            if not errors:
                errors = _key_errors(schema, cells_of, books, first_row_of, row, built)
            if not errors:
                checked.accepted.append((row, built))
        checked.errors.extend(errors)
        if progress is not None and seen % every == 0:
            progress(seen, len(checked.errors))
    if schema.finish is not None and not checked.errors:
        checked.accepted, problems = schema.finish(checked.accepted, books)
        checked.errors = [
            RowError(e.row, cells_of.spelled.get(e.column or "", e.column), e.code, e.message)
            for e in problems
        ]
    return checked


def _parse(
    schema: RowSchema, cells_of: Layout, row: int, cells: list[str]
) -> tuple[dict[str, Any], list[RowError]]:
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for column in schema.columns:
        index = cells_of.positions.get(column.name)
        raw = cells[index] if index is not None and index < len(cells) else ""
        try:
            value = column.parse(raw)
        except CellError as exc:
            errors.append(RowError(row, cells_of.spelled[column.name], str(exc.code), exc.message))
            continue
        if value is None and column.required:
            errors.append(
                RowError(
                    row,
                    cells_of.spelled[column.name],
                    str(ErrorCode.REQUIRED),
                    f"{column.name} is required.",
                )
            )
        if index is not None:
            values[column.name] = value
    return values, errors


def _key_errors(
    schema: RowSchema,
    cells_of: Layout,
    books: Books,
    first_row_of: dict[str, int],
    row: int,
    built: Any,
) -> list[RowError]:
    if schema.key is None:
        return []
    key = schema.key_of(built)
    column = cells_of.spelled.get(schema.key, schema.key)
    if key in first_row_of:
        message = f"{schema.key} '{key}' is also on row {first_row_of[key]} of this file."
        return [RowError(row, column, str(ErrorCode.DUPLICATE), message)]
    first_row_of[key] = row
    if key in books.taken:
        message = f"The company already has {schema.key} '{key}'."
        return [RowError(row, column, str(ErrorCode.DUPLICATE), message)]
    return []


def _column_of(schema: RowSchema, cells_of: Layout, field_name: str | None) -> str | None:
    """The file's header for a domain error's field (camelCase, as the API names it)."""
    if field_name is None:
        return None
    head = field_name.split(".")[0]
    for column in schema.columns:
        if header_key(column.name) == header_key(head):
            return cells_of.spelled.get(column.name, column.name)
    return None
